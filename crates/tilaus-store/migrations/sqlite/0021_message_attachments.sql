-- A message's attachments by reference (NTF-4): the documents it carries as PDF, as a JSON list
-- of document ids. Documents never change, so the PDF rendered when the message is sent (or sent
-- again) is the one the message was written with.
ALTER TABLE messages ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';

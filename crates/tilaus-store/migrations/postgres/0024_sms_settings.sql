-- Text messages (NTF-2): a shop sends SMS once it has a sender name; quiet hours (local times
-- HH:MM, both or neither) hold texts back to their end; numbers without a country code are
-- read as numbers of phone_country. Keep in step with the other backend's 0024_sms_settings.sql.
ALTER TABLE message_settings ADD COLUMN sms_sender TEXT;
ALTER TABLE message_settings ADD COLUMN quiet_from TEXT;
ALTER TABLE message_settings ADD COLUMN quiet_until TEXT;
ALTER TABLE message_settings ADD COLUMN phone_country TEXT NOT NULL DEFAULT 'FI';

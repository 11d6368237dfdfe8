//! The OpenAPI document is part of the contract: any change to it shows up in review as a
//! snapshot diff (`cargo insta review`, or `INSTA_UPDATE=always` to accept).

#[test]
fn openapi_document_matches_the_snapshot() {
    let document = serde_json::to_value(tilaus_web::openapi()).expect("serialise");
    insta::assert_json_snapshot!("openapi", document);
}

#[test]
fn every_operation_documents_its_errors() {
    let document = serde_json::to_value(tilaus_web::openapi()).expect("serialise");
    let paths = document["paths"].as_object().expect("paths");
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().expect("operations") {
            let responses = operation["responses"].as_object().expect("responses");
            assert!(
                responses.contains_key("401"),
                "{method} {path} does not document 401"
            );
            let problems = responses
                .iter()
                .filter(|(code, _)| code.starts_with('4'))
                .all(|(_, r)| r["content"]["application/problem+json"].is_object());
            assert!(
                problems,
                "{method} {path}: a 4xx that is not a problem document"
            );
        }
    }
}

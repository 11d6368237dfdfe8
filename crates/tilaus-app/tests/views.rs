//! Saved views and highlight rules on both backends, without HTTP: they are personal and per
//! shop, bad input changes nothing, shared rules follow the roles and leave an audit trail.

use tilaus_app::highlight::RuleInput;
use tilaus_app::order::ListQuery;
use tilaus_app::shop::NewShop;
use tilaus_app::{App, AppError, Principal};
use tilaus_domain::access::Role;
use tilaus_store::testkit::TestDb;

tilaus_store::on_both_backends!(
    views_are_personal_and_per_shop,
    bad_views_change_nothing,
    rules_are_private_or_shared_by_role,
);

const PASSWORD: &str = "oikein-hyvä-salasana";

struct Shop {
    app: App,
    shop_id: uuid::Uuid,
    owner: Principal,
}

async fn shop(app: &App, name: &str, email: &str) -> Shop {
    let created = app
        .create_shop(NewShop {
            name: name.into(),
            owner_email: email.into(),
            owner_password: Some(PASSWORD.into()),
            ..NewShop::default()
        })
        .await
        .expect("shop");
    let owner = app
        .authenticate_password(email, PASSWORD, Some(created.shop_id))
        .await
        .expect("owner signs in");
    Shop {
        app: app.clone(),
        shop_id: created.shop_id,
        owner,
    }
}

impl Shop {
    async fn member(&self, email: &str, role: Role) -> Principal {
        self.app
            .create_user(&self.owner, email, None, PASSWORD.into(), role)
            .await
            .expect("user");
        self.app
            .authenticate_password(email, PASSWORD, Some(self.shop_id))
            .await
            .expect("member signs in")
    }
}

fn web_today() -> ListQuery {
    ListQuery {
        channel: vec!["web".into()],
        created: Some("today".into()),
        ..ListQuery::default()
    }
}

fn not_found<T: std::fmt::Debug>(result: Result<T, AppError>) {
    assert!(
        matches!(result, Err(AppError::NotFound(_))),
        "expected not found: {result:?}"
    );
}

fn pointers<T: std::fmt::Debug>(result: Result<T, AppError>) -> Vec<String> {
    match result {
        Err(AppError::Invalid(errors)) => errors.0.into_iter().map(|e| e.pointer).collect(),
        other => panic!("expected invalid input: {other:?}"),
    }
}

async fn views_are_personal_and_per_shop(db: TestDb) {
    let app = App::open(&db.url).await.expect("open");
    let a = shop(&app, "A", "owner@a.example").await;
    let b = shop(&app, "B", "owner@b.example").await;
    let reader = a.member("reader@a.example", Role::ReadOnly).await;

    let view = app
        .save_view(
            &a.owner,
            " Today's web orders ",
            &web_today(),
            "channel=web&created=today",
        )
        .await
        .expect("save");
    assert_eq!(view.name, "Today's web orders");
    app.save_view(&a.owner, "Open", &ListQuery::default(), "state=open")
        .await
        .expect("save");
    let names = |views: Vec<tilaus_app::saved_view::SavedView>| {
        views.into_iter().map(|v| v.name).collect::<Vec<_>>()
    };
    assert_eq!(
        names(app.saved_views(&a.owner).await.expect("views")),
        ["Open", "Today's web orders"]
    );

    // Read-only users keep their own views; nobody sees another's.
    app.save_view(&reader, "Mine", &ListQuery::default(), "")
        .await
        .expect("a reader's own view");
    assert_eq!(
        names(app.saved_views(&reader).await.expect("views")),
        ["Mine"]
    );
    assert!(app.saved_views(&b.owner).await.expect("views").is_empty());
    not_found(app.rename_view(&reader, view.id, "Taken over").await);
    not_found(app.delete_view(&reader, view.id).await);
    not_found(app.delete_view(&b.owner, view.id).await);

    app.rename_view(&a.owner, view.id, "Web today")
        .await
        .expect("rename");
    app.delete_view(&a.owner, view.id).await.expect("delete");
    assert_eq!(
        names(app.saved_views(&a.owner).await.expect("views")),
        ["Open"]
    );
    not_found(app.delete_view(&a.owner, view.id).await);

    // API tokens have no person behind them.
    let system = Principal::system(a.shop_id, "test");
    assert!(matches!(
        app.saved_views(&system).await,
        Err(AppError::Forbidden(_))
    ));
}

async fn bad_views_change_nothing(db: TestDb) {
    let app = App::open(&db.url).await.expect("open");
    let a = shop(&app, "A", "owner@a.example").await;
    let bad_filters = ListQuery {
        state: vec!["lost".into()],
        created: Some("yesterday".into()),
        ..ListQuery::default()
    };
    assert_eq!(
        pointers(app.save_view(&a.owner, "", &bad_filters, "").await),
        ["/name", "/state", "/created"]
    );
    let long = "x".repeat(tilaus_app::saved_view::MAX_NAME + 1);
    assert_eq!(
        pointers(app.save_view(&a.owner, &long, &web_today(), "").await),
        ["/name"]
    );
    let kept = app
        .save_view(&a.owner, "Web", &web_today(), "channel=web")
        .await
        .expect("save");
    assert_eq!(
        pointers(app.save_view(&a.owner, "Web", &web_today(), "").await),
        ["/name"],
        "one name per user"
    );
    let other = app
        .save_view(&a.owner, "Other", &web_today(), "")
        .await
        .expect("save");
    assert_eq!(
        pointers(app.rename_view(&a.owner, other.id, "Web").await),
        ["/name"]
    );
    assert_eq!(
        pointers(app.rename_view(&a.owner, other.id, " ").await),
        ["/name"]
    );
    let views = app.saved_views(&a.owner).await.expect("views");
    assert_eq!(views.len(), 2);
    assert!(views.contains(&kept));
    assert!(views.contains(&other));
}

fn rule(name: &str, shared: bool) -> RuleInput {
    RuleInput {
        name: name.into(),
        field: "total".into(),
        condition: "greater_than".into(),
        value: "100".into(),
        colour: "blue".into(),
        icon: "star".into(),
        shared,
    }
}

async fn rules_are_private_or_shared_by_role(db: TestDb) {
    let app = App::open(&db.url).await.expect("open");
    let a = shop(&app, "A", "owner@a.example").await;
    let b = shop(&app, "B", "owner@b.example").await;
    let staff = a.member("staff@a.example", Role::Staff).await;
    let reader = a.member("reader@a.example", Role::ReadOnly).await;

    let private = app
        .create_highlight_rule(&staff, &rule("Mine", false))
        .await
        .expect("private rule");
    let shared = app
        .create_highlight_rule(&staff, &rule("Big orders", true))
        .await
        .expect("shared rule");
    assert_eq!(shared.rule.criterion.value_text(), "100.00");
    let reader_rule = app
        .create_highlight_rule(&reader, &rule("Reader's", false))
        .await
        .expect("a reader's private rule");
    assert!(matches!(
        app.create_highlight_rule(&reader, &rule("Everyone", true))
            .await,
        Err(AppError::Forbidden(_))
    ));

    let seen = |rules: Vec<tilaus_app::highlight::HighlightRule>| {
        rules
            .into_iter()
            .map(|r| (r.rule.name, r.mine, r.deletable))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        seen(app.highlight_rules(&staff).await.expect("rules")),
        [
            ("Mine".into(), true, true),
            ("Big orders".into(), true, true)
        ]
    );
    assert_eq!(
        seen(app.highlight_rules(&reader).await.expect("rules")),
        [
            ("Big orders".into(), false, false),
            ("Reader's".into(), true, true)
        ]
    );
    assert_eq!(
        seen(app.highlight_rules(&a.owner).await.expect("rules")),
        [("Big orders".into(), false, true)]
    );
    assert!(
        app.highlight_rules(&b.owner)
            .await
            .expect("rules")
            .is_empty()
    );

    // Another user's private rule does not exist for them; a shared one needs the right role.
    not_found(app.delete_highlight_rule(&a.owner, private.id).await);
    not_found(app.delete_highlight_rule(&b.owner, shared.id).await);
    not_found(app.delete_highlight_rule(&staff, reader_rule.id).await);
    assert!(matches!(
        app.delete_highlight_rule(&reader, shared.id).await,
        Err(AppError::Forbidden(_))
    ));

    // Unknown fields and values are refused, and nothing is stored.
    let bad = RuleInput {
        field: "weight".into(),
        ..rule("Heavy", false)
    };
    assert_eq!(
        pointers(app.create_highlight_rule(&staff, &bad).await),
        ["/field"]
    );
    let bad = RuleInput {
        value: "lots".into(),
        colour: "pink".into(),
        ..rule("Heavy", true)
    };
    assert_eq!(
        pointers(app.create_highlight_rule(&staff, &bad).await),
        ["/value", "/colour"]
    );
    assert_eq!(app.highlight_rules(&staff).await.expect("rules").len(), 2);

    app.delete_highlight_rule(&a.owner, shared.id)
        .await
        .expect("an owner deletes a shared rule");
    app.delete_highlight_rule(&staff, private.id)
        .await
        .expect("the author deletes a private rule");
    assert!(app.highlight_rules(&staff).await.expect("rules").is_empty());

    // Shared rules' changes are audited; private ones are nobody else's business.
    let audit = app.audit_log(&a.owner, None, None).await.expect("audit");
    let actions: Vec<(String, String)> = audit
        .items
        .iter()
        .filter(|e| e.action.starts_with("highlight."))
        .map(|e| (e.action.clone(), e.subject.clone()))
        .collect();
    assert_eq!(
        actions,
        [
            ("highlight.deleted".into(), "Big orders".into()),
            ("highlight.created".into(), "Big orders".into())
        ]
    );
}

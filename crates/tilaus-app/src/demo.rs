//! A demo shop with a few hundred realistic orders across channels and states, so that a
//! newcomer has something to look at (and the API something to answer) from the first start.

use crate::order::{CustomerInput, LineInput, NewOrderRequest, StateChange};
use crate::product::ProductInput;
use crate::shop::NewShop;
use crate::{App, AppError, Principal};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use tilaus_domain::customer::Address;
use uuid::Uuid;

/// How to get into the demo shop.
#[derive(Debug, Clone, Serialize)]
pub struct DemoShop {
    pub shop_id: Uuid,
    pub api_token: String,
    pub admin_email: String,
    pub admin_password: String,
    pub orders: usize,
}

struct Person {
    name: &'static str,
    email: &'static str,
    phone: &'static str,
    language: &'static str,
    city: &'static str,
    postal_code: &'static str,
    country: &'static str,
}

const PEOPLE: &[Person] = &[
    Person {
        name: "Aino Virtanen",
        email: "aino.virtanen@example.fi",
        phone: "+358 40 123 4567",
        language: "fi",
        city: "Helsinki",
        postal_code: "00100",
        country: "FI",
    },
    Person {
        name: "Mikko Korhonen",
        email: "mikko.korhonen@example.fi",
        phone: "+358 50 765 4321",
        language: "fi",
        city: "Oulu",
        postal_code: "90100",
        country: "FI",
    },
    Person {
        name: "Liisa Mäkelä",
        email: "liisa.makela@example.fi",
        phone: "+358 44 222 3344",
        language: "fi",
        city: "Tampere",
        postal_code: "33100",
        country: "FI",
    },
    Person {
        name: "Juhani Nieminen",
        email: "juhani@example.fi",
        phone: "+358 45 111 2233",
        language: "fi",
        city: "Turku",
        postal_code: "20100",
        country: "FI",
    },
    Person {
        name: "Elsa Lindqvist",
        email: "elsa.lindqvist@example.se",
        phone: "+46 70 123 45 67",
        language: "sv",
        city: "Stockholm",
        postal_code: "111 22",
        country: "SE",
    },
    Person {
        name: "Björn Holmberg",
        email: "bjorn.holmberg@example.fi",
        phone: "+358 40 555 6677",
        language: "sv",
        city: "Vaasa",
        postal_code: "65100",
        country: "FI",
    },
    Person {
        name: "Emily Carter",
        email: "emily.carter@example.co.uk",
        phone: "+44 7700 900123",
        language: "en",
        city: "London",
        postal_code: "SW1A 1AA",
        country: "GB",
    },
    Person {
        name: "Lukas Becker",
        email: "lukas.becker@example.de",
        phone: "+49 151 2345 6789",
        language: "en",
        city: "Berlin",
        postal_code: "10115",
        country: "DE",
    },
];

struct Organisation {
    name: &'static str,
    business_id: &'static str,
    contact: &'static str,
    email: &'static str,
}

const ORGANISATIONS: &[Organisation] = &[
    Organisation {
        name: "Kahvila Aalto Oy",
        business_id: "7654321-2",
        contact: "Sari Aalto",
        email: "tilaukset@kahvila-aalto.example.fi",
    },
    Organisation {
        name: "Pohjolan Matkat Oy",
        business_id: "2345678-0",
        contact: "Pekka Laine",
        email: "pekka@pohjolanmatkat.example.fi",
    },
    Organisation {
        name: "Skärgårdens Café Ab",
        business_id: "1122334-9",
        contact: "Anna Berg",
        email: "anna@skargard.example.fi",
    },
];

/// (sku, Finnish name, kind, gross unit price in cents, VAT basis points)
/// The demo catalogue: sku, names in fi/sv/en, kind, gross unit price, VAT basis points.
const PRODUCTS: &[(&str, [&str; 3], &str, i64, i64)] = &[
    (
        "TEE-1",
        [
            "T-paita, luomupuuvilla",
            "T-tröja, ekologisk bomull",
            "T-shirt, organic cotton",
        ],
        "goods",
        2490,
        2550,
    ),
    (
        "MUG-2",
        [
            "Kahvikuppi, käsinmaalattu",
            "Kaffekopp, handmålad",
            "Coffee mug, hand-painted",
        ],
        "goods",
        1890,
        2550,
    ),
    (
        "BOOK-7",
        [
            "Keittokirja: Pohjoinen keittiö",
            "Kokbok: Nordiskt kök",
            "Cookbook: The Northern Kitchen",
        ],
        "goods",
        3200,
        1400,
    ),
    (
        "COFFEE-1",
        ["Kahvipapu 500 g", "Kaffebönor 500 g", "Coffee beans 500 g"],
        "goods",
        1450,
        1400,
    ),
    (
        "SAUNA-2H",
        [
            "Savusauna, 2 tuntia",
            "Rökbastu, 2 timmar",
            "Smoke sauna, 2 hours",
        ],
        "service",
        9000,
        1400,
    ),
    (
        "ROOM-DBL",
        [
            "Kahden hengen huone, yö",
            "Dubbelrum, natt",
            "Double room, night",
        ],
        "service",
        12900,
        1000,
    ),
    (
        "KAYAK-1D",
        [
            "Kajakkivuokra, päivä",
            "Kajakhyra, dag",
            "Kayak rental, day",
        ],
        "service",
        4500,
        2550,
    ),
    (
        "GIFT-50",
        ["Lahjakortti 50 €", "Presentkort 50 €", "Gift card €50"],
        "goods",
        5000,
        0,
    ),
];

fn demo_products() -> impl Iterator<Item = ProductInput> {
    PRODUCTS
        .iter()
        .map(|(sku, names, kind, price, vat)| ProductInput {
            sku: (*sku).into(),
            names: ["fi", "sv", "en"]
                .into_iter()
                .zip(names)
                .map(|(l, n)| (l.to_owned(), (*n).to_owned()))
                .collect(),
            kind: Some((*kind).into()),
            unit_price: *price,
            vat_rate: *vat,
            prices_include_vat: Some(true),
            purchase_process: Some(
                if *kind == "service" {
                    "invoice"
                } else {
                    "pay_now"
                }
                .into(),
            ),
        })
}

const TAGS: &[&str] = &[
    "vip",
    "gift",
    "express",
    "returning",
    "b2b",
    "weekend",
    "allergy-note",
];

fn channel_and_origin(rng: &mut StdRng) -> (&'static str, Option<&'static str>) {
    match rng.random_range(0..10) {
        0..=3 => ("web", None),
        4 => ("pos", None),
        5 => ("phone", None),
        6 => ("manual", None),
        7 => ("marketplace", None),
        8 => ("channel_manager", Some("Booking.com")),
        _ => ("channel_manager", Some("Airbnb")),
    }
}

fn demo_order(rng: &mut StdRng, i: usize) -> NewOrderRequest {
    let (channel, origin) = channel_and_origin(rng);
    let organisation = rng.random_bool(0.2);
    let customer = if organisation {
        let o = ORGANISATIONS.choose(rng).unwrap_or(&ORGANISATIONS[0]);
        CustomerInput {
            kind: Some("organisation".into()),
            name: o.name.into(),
            email: Some(o.email.into()),
            business_id: Some(o.business_id.into()),
            contact_person: Some(o.contact.into()),
            language: Some("fi".into()),
            ..CustomerInput::default()
        }
    } else {
        let p = PEOPLE.choose(rng).unwrap_or(&PEOPLE[0]);
        let address = Address {
            name: Some(p.name.into()),
            line1: Some(format!("Esimerkkikatu {}", rng.random_range(1..80))),
            postal_code: Some(p.postal_code.into()),
            city: Some(p.city.into()),
            country: Some(p.country.into()),
            ..Address::default()
        };
        CustomerInput {
            name: p.name.into(),
            email: Some(p.email.into()),
            phone: Some(p.phone.into()),
            language: Some(p.language.into()),
            delivery_address: Some(address),
            ..CustomerInput::default()
        }
    };
    let lines = (0..rng.random_range(1..=4))
        .map(|_| demo_line(rng))
        .collect();
    let tags = if rng.random_bool(0.3) {
        vec![(*TAGS.choose(rng).unwrap_or(&"vip")).to_string()]
    } else {
        Vec::new()
    };
    NewOrderRequest {
        channel: channel.into(),
        external_id: (channel != "manual" && channel != "phone")
            .then(|| format!("{}-{}", channel.to_uppercase(), 10_000 + i)),
        origin: origin.map(str::to_owned),
        language: None,
        currency: None,
        prices_include_vat: Some(!organisation),
        state: None,
        customer,
        lines,
        tags,
        note: rng
            .random_bool(0.1)
            .then(|| "Asiakas toivoo soittoa ennen toimitusta.".to_owned()),
        payments: Vec::new(),
    }
}

fn demo_line(rng: &mut StdRng) -> LineInput {
    // Lines name only the sku: the catalogue fills in the name in the customer's language and
    // the price in the order's basis.
    let (sku, _, kind, _, _) = *PRODUCTS.choose(rng).unwrap_or(&PRODUCTS[0]);
    let (reservation_start, reservation_end) = if kind == "service" {
        let day = rng.random_range(1..28);
        let hour = rng.random_range(9..18);
        (
            Some(format!("2026-12-{day:02}T{hour:02}:00")),
            Some(format!("2026-12-{day:02}T{:02}:00", hour + 2)),
        )
    } else {
        (None, None)
    };
    LineInput {
        sku: Some(sku.into()),
        name: None,
        kind: None,
        quantity: rng.random_range(1..=3),
        unit_price: None,
        vat_rate: None,
        discount: if rng.random_bool(0.1) { 200 } else { 0 },
        reservation_start,
        reservation_end,
    }
}

/// The states demo orders are walked to, weighted roughly as a real shop's list looks.
fn demo_path(rng: &mut StdRng) -> &'static [&'static str] {
    match rng.random_range(0..10) {
        0..=2 => &[],
        3..=4 => &["confirmed"],
        5 => &["confirmed", "invoiced"],
        6..=7 => &["confirmed", "paid", "completed"],
        8 => &["confirmed", "paid"],
        _ => &["cancelled"],
    }
}

impl App {
    /// Creates a demo shop with `orders` orders and an owner who can sign in.
    pub async fn create_demo_shop(&self, orders: usize) -> Result<DemoShop, AppError> {
        let mut rng = StdRng::seed_from_u64(2026);
        let admin_password: String = (0..16)
            .map(|_| {
                *b"abcdefghjkmnpqrstuvwxyz23456789"
                    .choose(&mut rand::rng())
                    .unwrap_or(&b'x') as char
            })
            .collect();
        let admin_email = "owner@demo.tilaus.example".to_owned();
        let created = self
            .create_shop(NewShop {
                name: "Demo: Saaristo Shop & Stay".into(),
                owner_email: admin_email.clone(),
                owner_name: Some("Demo Owner".into()),
                owner_password: Some(admin_password.clone()),
                business_id: Some("1234567-1".into()),
                vat_id: Some("FI12345671".into()),
                iban: Some("FI21 1234 5600 0007 85".into()),
                bic: Some("NDEAFIHH".into()),
                address: Some(Address {
                    line1: Some("Rantatie 1".into()),
                    postal_code: Some("21600".into()),
                    city: Some("Parainen".into()),
                    country: Some("FI".into()),
                    ..Address::default()
                }),
                ..NewShop::default()
            })
            .await?;
        let principal = Principal::system(created.shop_id, "demo data");
        // Payment reminders on, with the default levels, as a Finnish shop would run.
        let reminders = crate::dunning::DunningSettings {
            enabled: true,
            ..crate::dunning::DunningSettings::default()
        };
        self.put_dunning_settings(&principal, &reminders).await?;
        for (language, text) in DEMO_TERMS {
            let terms = crate::confirmation::TermsInput {
                text: text.into(),
                language: Some(language.into()),
            };
            self.put_terms(&principal, &terms).await?;
        }
        for product in demo_products() {
            self.create_product(&principal, &product).await?;
        }
        for i in 0..orders {
            let request = demo_order(&mut rng, i);
            let outcome = self.ingest_order(&principal, &request, None).await?;
            let id = serde_json::from_str::<serde_json::Value>(&outcome.body)
                .ok()
                .and_then(|v| {
                    v.get("id")
                        .and_then(|id| id.as_str())
                        .and_then(|id| Uuid::parse_str(id).ok())
                });
            let Some(order_id) = id else { continue };
            for state in demo_path(&mut rng) {
                self.change_order_state(
                    &principal,
                    order_id,
                    &StateChange {
                        state: (*state).into(),
                        // Staff say why they cancel; the demo's history should look like it.
                        reason: (*state == "cancelled").then(|| "Asiakas perui puhelimessa".into()),
                    },
                )
                .await?;
            }
        }
        Ok(DemoShop {
            shop_id: created.shop_id,
            api_token: created.api_token,
            admin_email,
            admin_password,
            orders,
        })
    }
}

/// The demo shop's terms, as an organisation confirming an order reads them.
const DEMO_TERMS: [(&str, &str); 3] = [
    (
        "fi",
        "Toimitusehdot\n\nTilaus on sitova, kun se on vahvistettu. Hinnat sisältävät arvonlisäveron, \
         ellei toisin mainita. Maksuehto 14 päivää netto; viivästyskorko korkolain mukaan. \
         Peruutukset viimeistään 7 päivää ennen toimitusta tai palvelun alkua.",
    ),
    (
        "sv",
        "Leveransvillkor\n\nBeställningen är bindande när den har bekräftats. Priserna inkluderar \
         mervärdesskatt om inget annat anges. Betalningsvillkor 14 dagar netto; dröjsmålsränta enligt \
         räntelagen. Avbokning senast 7 dagar före leverans eller tjänstens början.",
    ),
    (
        "en",
        "Terms of delivery\n\nThe order is binding once confirmed. Prices include VAT unless stated \
         otherwise. Payment within 14 days net; late-payment interest under the Finnish Interest Act. \
         Cancellations no later than 7 days before delivery or the start of the service.",
    ),
];

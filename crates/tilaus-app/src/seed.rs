//! Filling a shop with many realistic orders quickly, for benchmarks and for trying the admin
//! at scale: bulk inserts through the store, in creation order (physical order matters for
//! date-window scans, reference/performance.md trap 4), spread over the last 365 days, with
//! customers reused as real shops see them.

use crate::product::ProductInput;
use crate::{App, AppError, Principal};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use tilaus_domain::language::Language;
use tilaus_domain::money::{AmountError, Currency};
use tilaus_domain::order::{LineDraft, OrderContent, ProductKind};
use tilaus_domain::product::Product;
use tilaus_store::dialect::take_order_numbers;
use tilaus_store::order::{NewOrder, OrderRow};
use tilaus_store::{ShopScope, customer, now_micros, order};
use uuid::Uuid;

/// Orders written per transaction.
const BATCH: usize = 1_000;
/// Products in the seeded catalogue (the ingest benchmark draws its lines from it).
pub const CATALOGUE_SIZE: usize = 50;
const DAY_MICROS: i64 = 86_400_000_000;

const FIRST_NAMES: &[&str] = &[
    "Aino", "Eero", "Helmi", "Juhani", "Kaisa", "Lauri", "Liisa", "Matti", "Mikko", "Noora",
    "Onni", "Pirjo", "Riikka", "Sanna", "Tuomas", "Veera", "Elsa", "Björn", "Astrid", "Gustav",
    "Ingrid", "Johan", "Karin", "Nils", "Emily", "James", "Olivia", "Lukas", "Sophie", "Daniel",
];
pub const LAST_NAMES: &[&str] = &[
    "Virtanen",
    "Korhonen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Lehtinen",
    "Saarinen",
    "Salminen",
    "Heinonen",
    "Niemi",
    "Heikkilä",
    "Kinnunen",
    "Salonen",
    "Turunen",
    "Salo",
    "Laitinen",
    "Tuominen",
    "Rantanen",
    "Karjalainen",
    "Jokinen",
    "Mattila",
    "Savolainen",
    "Lahtinen",
    "Ahonen",
    "Lindqvist",
    "Holmberg",
    "Sundström",
    "Lindholm",
    "Nyström",
    "Blomqvist",
    "Forsman",
    "Carter",
    "Thompson",
    "Becker",
    "Schneider",
    "Walsh",
    "Murphy",
    "Andersson",
    "Johansson",
];
const CITIES: &[(&str, &str, &str)] = &[
    ("Helsinki", "00100", "FI"),
    ("Espoo", "02100", "FI"),
    ("Tampere", "33100", "FI"),
    ("Turku", "20100", "FI"),
    ("Oulu", "90100", "FI"),
    ("Vaasa", "65100", "FI"),
    ("Parainen", "21600", "FI"),
    ("Stockholm", "111 22", "SE"),
    ("Tallinn", "10111", "EE"),
    ("Berlin", "10115", "DE"),
];
const ITEMS: &[(&str, &str, &str, ProductKind, i64, i64)] = &[
    ("TEE", "T-paita", "T-shirt", ProductKind::Goods, 2490, 2550),
    (
        "MUG",
        "Kahvikuppi",
        "Coffee mug",
        ProductKind::Goods,
        1890,
        2550,
    ),
    (
        "BOOK",
        "Keittokirja",
        "Cookbook",
        ProductKind::Goods,
        3200,
        1400,
    ),
    (
        "BEANS",
        "Kahvipapu",
        "Coffee beans",
        ProductKind::Goods,
        1450,
        1400,
    ),
    (
        "SAUNA",
        "Saunavuoro",
        "Sauna session",
        ProductKind::Service,
        9000,
        1400,
    ),
    (
        "ROOM",
        "Hotelliyö",
        "Hotel night",
        ProductKind::Service,
        12900,
        1000,
    ),
    (
        "KAYAK",
        "Kajakkivuokra",
        "Kayak rental",
        ProductKind::Service,
        4500,
        2550,
    ),
    (
        "SCARF",
        "Villahuivi",
        "Wool scarf",
        ProductKind::Goods,
        5900,
        2550,
    ),
    (
        "CANDLE",
        "Kynttilä",
        "Candle",
        ProductKind::Goods,
        1290,
        2550,
    ),
    (
        "TOUR",
        "Opastettu kierros",
        "Guided tour",
        ProductKind::Service,
        3500,
        1400,
    ),
];
const TAGS: &[&str] = &["vip", "gift", "express", "returning", "b2b", "weekend"];

/// What seeding wrote.
#[derive(Debug, Clone, Serialize)]
pub struct SeedReport {
    pub shop_id: Uuid,
    pub orders: usize,
    pub customers: usize,
    pub products: usize,
    pub seconds: f64,
}

/// The catalogue of [`CATALOGUE_SIZE`] products: ten kinds of thing in five variants each.
pub fn catalogue() -> Vec<ProductInput> {
    (0..CATALOGUE_SIZE)
        .map(|i| {
            let (code, fi, en, kind, price, vat) = ITEMS[i % ITEMS.len()];
            let variant = i / ITEMS.len() + 1;
            ProductInput {
                sku: format!("{code}-{variant}"),
                names: [
                    ("fi".to_owned(), format!("{fi} {variant}")),
                    ("en".to_owned(), format!("{en} {variant}")),
                ]
                .into(),
                kind: Some(kind.as_str().into()),
                unit_price: price + 100 * i64::try_from(variant).unwrap_or(0),
                vat_rate: vat,
                prices_include_vat: Some(true),
                purchase_process: None,
            }
        })
        .collect()
}

impl App {
    /// Adds `orders` realistic orders to a shop (and the seed catalogue when the shop has
    /// none of it), calling `progress` with the running count after each batch.
    pub async fn seed_orders(
        &self,
        shop_id: Uuid,
        orders: usize,
        seed: u64,
        mut progress: impl FnMut(usize),
    ) -> Result<SeedReport, AppError> {
        let started = std::time::Instant::now();
        let principal = Principal::system(shop_id, "seed");
        let scope = principal.write_scope()?;
        let mut factory = OrderFactory::new(self.seed_catalogue(shop_id).await?, seed);
        let pool = self.seed_customers(scope, orders, &mut factory).await?;
        let now = now_micros();
        let start = now - 365 * DAY_MICROS;
        let step = (365 * DAY_MICROS) / i64::try_from(orders.max(1)).unwrap_or(i64::MAX);
        let mut written = 0;
        while written < orders {
            let count = BATCH.min(orders - written);
            let mut tx = self.db.begin().await?;
            let numbers = take_order_numbers(&mut tx, scope, count as i64).await?;
            let batch: Vec<SeededOrder> = (0..count)
                .zip(numbers)
                .map(|(k, number)| {
                    let i = (written + k) as i64;
                    let created_at = start + i * step + factory.rng.random_range(0..step.max(1));
                    let customer = factory.returning_customer(&pool);
                    factory.order(customer, number, created_at, now)
                })
                .collect::<Result<_, _>>()?;
            let new: Vec<NewOrder<'_>> = batch
                .iter()
                .map(|o| NewOrder {
                    order: &o.row,
                    lines: &o.lines,
                    tags: &o.tags,
                })
                .collect();
            order::insert_many(&mut tx, scope, &new).await?;
            tx.commit().await?;
            written += count;
            progress(written);
        }
        Ok(SeedReport {
            shop_id,
            orders,
            customers: pool.len(),
            products: factory.products.len(),
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// Adds the seed catalogue's products the shop lacks, and returns all of them by sku.
    pub async fn seed_catalogue(&self, shop_id: Uuid) -> Result<Vec<Product>, AppError> {
        let principal = Principal::system(shop_id, "seed");
        let scope = principal.write_scope()?;
        let inputs = catalogue();
        let skus: Vec<&str> = inputs.iter().map(|p| p.sku.as_str()).collect();
        let existing = crate::product::catalogue(&mut self.db.read().await?, scope, &skus).await?;
        for input in inputs.iter().filter(|p| !existing.contains_key(&p.sku)) {
            self.create_product(&principal, input).await?;
        }
        let stored = crate::product::catalogue(&mut self.db.read().await?, scope, &skus).await?;
        let mut products: Vec<Product> = stored.into_values().collect();
        // Sorted, so that one seed gives the same orders whatever order the database returned.
        products.sort_by(|a, b| a.sku.cmp(&b.sku));
        Ok(products)
    }

    /// One customer per three orders; they are reused, some of them often.
    async fn seed_customers(
        &self,
        scope: ShopScope,
        orders: usize,
        factory: &mut OrderFactory,
    ) -> Result<Vec<customer::CustomerRow>, AppError> {
        let now = now_micros();
        let pool: Vec<customer::CustomerRow> = (0..(orders / 3).max(1))
            .map(|_| factory.customer(now))
            .collect();
        for chunk in pool.chunks(10 * BATCH) {
            let mut tx = self.db.begin().await?;
            customer::insert_many(&mut tx, scope, chunk).await?;
            tx.commit().await?;
        }
        Ok(pool)
    }
}

/// Makes realistic customers and orders from a catalogue, reproducibly from a seed.
pub struct OrderFactory {
    rng: StdRng,
    products: Vec<Product>,
    /// Makes e-mail addresses unique across runs on one database.
    run: String,
    customers: usize,
}

impl OrderFactory {
    pub fn new(products: Vec<Product>, seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            products,
            run: Uuid::now_v7().simple().to_string()[..12].to_owned(),
            customers: 0,
        }
    }

    /// A new customer with a unique e-mail address.
    pub fn customer(&mut self, now: i64) -> customer::CustomerRow {
        self.customers += 1;
        seeded_customer(&mut self.rng, self.customers, &self.run, now)
    }

    /// One of `pool`: a third of orders come from the most loyal twentieth of customers.
    fn returning_customer<'a>(
        &mut self,
        pool: &'a [customer::CustomerRow],
    ) -> &'a customer::CustomerRow {
        let loyal = (pool.len() / 20).max(1);
        let bound = if self.rng.random_bool(0.33) {
            loyal
        } else {
            pool.len()
        };
        &pool[self.rng.random_range(0..bound.min(pool.len()).max(1))]
    }

    /// `count` catalogue products with a quantity of 1–3 each.
    pub fn pick_lines(&mut self, count: usize) -> Vec<(&Product, i64)> {
        let rng = &mut self.rng;
        (0..count)
            .filter_map(|_| Some((self.products.choose(rng)?, rng.random_range(1..=3))))
            .collect()
    }

    /// An order of `customer` with 1–4 lines, in a state that fits its age.
    pub fn order(
        &mut self,
        customer: &customer::CustomerRow,
        number: i64,
        created_at: i64,
        now: i64,
    ) -> Result<SeededOrder, AppError> {
        let count = self.rng.random_range(1..=4);
        self.order_with_lines(customer, count, number, created_at, now)
    }

    /// An order of `customer` with `count` lines.
    pub fn order_with_lines(
        &mut self,
        customer: &customer::CustomerRow,
        count: usize,
        number: i64,
        created_at: i64,
        now: i64,
    ) -> Result<SeededOrder, AppError> {
        let lines: Vec<(Product, i64)> = self
            .pick_lines(count)
            .into_iter()
            .map(|(p, q)| (p.clone(), q))
            .collect();
        seeded_order(&mut self.rng, customer, &lines, number, created_at, now)
    }
}

fn seeded_customer(rng: &mut StdRng, i: usize, run: &str, now: i64) -> customer::CustomerRow {
    let first = *FIRST_NAMES.choose(rng).unwrap_or(&"Aino");
    let last = *LAST_NAMES.choose(rng).unwrap_or(&"Virtanen");
    let (city, postal_code, country) = *CITIES.choose(rng).unwrap_or(&CITIES[0]);
    let organisation = rng.random_bool(0.15);
    let (kind, name, contact, business_id) = if organisation {
        let suffix = if country == "SE" { "AB" } else { "Oy" };
        let business_id = format!("{:07}-{}", rng.random_range(1_000_000..9_999_999), i % 10);
        (
            "organisation",
            format!("{last} {suffix}"),
            Some(format!("{first} {last}")),
            Some(business_id),
        )
    } else {
        ("consumer", format!("{first} {last}"), None, None)
    };
    let email = format!(
        "{}.{}.{i}.{run}@example.{}",
        first.to_lowercase(),
        last.to_lowercase(),
        country.to_lowercase()
    );
    let address = serde_json::json!({
        "name": name, "line1": format!("{} {}", ["Rantatie", "Kauppakatu", "Storgatan", "Main Street"][i % 4], i % 90 + 1),
        "postal_code": postal_code, "city": city, "country": country,
    });
    let language = match country {
        "SE" => "sv",
        "FI" => ["fi", "fi", "fi", "sv"][i % 4],
        _ => "en",
    };
    customer::CustomerRow {
        customer_id: Uuid::now_v7(),
        kind: kind.into(),
        name,
        email_key: Some(email.clone()),
        email: Some(email),
        phone: Some(format!("+35840{:07}", rng.random_range(0..10_000_000))),
        business_id,
        vat_id: None,
        contact_person: contact,
        language: Some(language.into()),
        billing_address: Some(address.to_string()),
        delivery_address: Some(address.to_string()),
        created_at: now,
        updated_at: now,
    }
}

/// An order's rows as the store writes them.
pub struct SeededOrder {
    pub row: OrderRow,
    pub lines: Vec<order::LineRow>,
    pub tags: Vec<String>,
}

/// A state with the payment and delivery states that go with it; older orders are mostly done.
fn life_cycle(rng: &mut StdRng, age_days: i64) -> (&'static str, &'static str, &'static str) {
    let roll = rng.random_range(0..100);
    if age_days > 30 {
        match roll {
            0..80 => ("completed", "paid", "delivered"),
            80..88 => ("cancelled", "unpaid", "none"),
            88..95 => ("paid", "paid", "pending"),
            _ => ("invoiced", "unpaid", "delivered"),
        }
    } else {
        match roll {
            0..25 => ("open", "unpaid", "none"),
            25..50 => ("confirmed", "unpaid", "pending"),
            50..60 => ("invoiced", "unpaid", "pending"),
            60..75 => ("paid", "paid", "pending"),
            75..95 => ("completed", "paid", "delivered"),
            _ => ("cancelled", "unpaid", "none"),
        }
    }
}

fn channel(rng: &mut StdRng) -> (&'static str, Option<&'static str>) {
    match rng.random_range(0..100) {
        0..45 => ("web", None),
        45..60 => ("pos", None),
        60..65 => ("phone", None),
        65..70 => ("manual", None),
        70..75 => ("api", None),
        75..85 => ("marketplace", None),
        85..93 => ("channel_manager", Some("Booking.com")),
        93..98 => ("channel_manager", Some("Airbnb")),
        _ => ("channel_manager", Some("Expedia")),
    }
}

fn seeded_order(
    rng: &mut StdRng,
    c: &customer::CustomerRow,
    picked: &[(Product, i64)],
    number: i64,
    created_at: i64,
    now: i64,
) -> Result<SeededOrder, AppError> {
    let organisation = c.kind == "organisation";
    let language = c
        .language
        .as_deref()
        .and_then(Language::parse)
        .unwrap_or(Language::Fi);
    let drafts: Vec<LineDraft> = picked
        .iter()
        .map(|(item, quantity)| {
            Ok(LineDraft {
                product_id: Some(item.product_id),
                sku: Some(item.sku.clone()),
                name: item.name_for(language, Language::Fi).to_owned(),
                kind: item.kind,
                quantity: *quantity,
                unit_price: item.unit_price_in(!organisation)?,
                vat_rate: item.vat_rate,
                discount: 0,
                reservation: None,
                purchase_process: item.purchase_process,
            })
        })
        .collect::<Result<_, AmountError>>()?;
    let content = OrderContent {
        currency: Currency::Eur,
        prices_include_vat: !organisation,
        lines: drafts,
    };
    let totals = content.totals()?;
    let lines = crate::order::line_rows(&content.lines)?;
    let (state, payment_state, delivery_state) = life_cycle(rng, (now - created_at) / DAY_MICROS);
    let (channel, origin) = channel(rng);
    let tags: Vec<String> = if rng.random_bool(0.25) {
        TAGS.choose(rng)
            .map(|t| vec![(*t).to_owned()])
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut row = OrderRow {
        order_id: Uuid::now_v7(),
        number,
        channel: channel.into(),
        origin: origin.map(str::to_owned),
        external_id: (channel != "phone" && channel != "manual")
            .then(|| format!("{}-{number}", channel.to_uppercase())),
        language: language.as_str().into(),
        currency: "EUR".into(),
        prices_include_vat: !organisation,
        customer_id: c.customer_id,
        customer_kind: c.kind.clone(),
        customer_name: c.name.clone(),
        customer_email: c.email.clone(),
        customer_phone: c.phone.clone(),
        customer_business_id: c.business_id.clone(),
        customer_vat_id: None,
        customer_contact_person: c.contact_person.clone(),
        billing_address: c.billing_address.clone(),
        delivery_address: c.delivery_address.clone(),
        state: state.into(),
        payment_state: payment_state.into(),
        delivery_state: delivery_state.into(),
        tags: serde_json::to_string(&tags).unwrap_or_else(|_| "[]".into()),
        net: totals.net,
        vat: totals.vat,
        gross: totals.gross,
        vat_breakdown: serde_json::to_string(&totals.vat_breakdown).unwrap_or_else(|_| "[]".into()),
        line_count: i32::try_from(lines.len()).unwrap_or(i32::MAX),
        search_text: String::new(),
        created_at,
        updated_at: created_at,
        version: 1,
    };
    row.search_text = crate::order::search_text(&row, &tags);
    Ok(SeededOrder { row, lines, tags })
}

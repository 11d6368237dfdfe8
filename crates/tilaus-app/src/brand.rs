//! A shop's look: its accent colour and logo, on its documents (PDF), its mail (the header,
//! buttons, and the logo sent inline) and the pages its customers pay and confirm on.

use crate::{App, AppError, Principal};
use serde::{Deserialize, Serialize};
use tilaus_domain::brand::{DEFAULT_ACCENT, LogoFormat, accent_colour};
use tilaus_store::brand::{self as store, BrandRow};
use tilaus_store::{Queries, ShopScope, now_micros};
use utoipa::ToSchema;
use uuid::Uuid;

/// A shop's look as the app uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    pub accent_colour: String,
    pub logo: Option<Logo>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    pub bytes: Vec<u8>,
    pub format: LogoFormat,
}

impl Default for Brand {
    fn default() -> Self {
        Brand {
            accent_colour: DEFAULT_ACCENT.into(),
            logo: None,
        }
    }
}

impl From<Option<BrandRow>> for Brand {
    fn from(row: Option<BrandRow>) -> Self {
        let Some(row) = row else {
            return Brand::default();
        };
        let logo = match (
            row.logo,
            row.logo_format.as_deref().and_then(LogoFormat::parse),
        ) {
            (Some(bytes), Some(format)) => Some(Logo { bytes, format }),
            _ => None,
        };
        Brand {
            accent_colour: row.accent_colour,
            logo,
        }
    }
}

impl Brand {
    fn row(&self) -> BrandRow {
        BrandRow {
            accent_colour: self.accent_colour.clone(),
            logo: self.logo.as_ref().map(|l| l.bytes.clone()),
            logo_format: self.logo.as_ref().map(|l| l.format.as_str().to_owned()),
        }
    }
}

/// The shop's look as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BrandView {
    /// `#rrggbb`.
    pub accent_colour: String,
    /// Where the logo is served (public: mail and customers' pages show it); none without one.
    pub logo_url: Option<String>,
    /// `png` or `svg`.
    pub logo_format: Option<String>,
}

/// The accent colour, as staff set it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BrandInput {
    /// `#rrggbb`, e.g. `#1f5fbf`.
    pub accent_colour: String,
}

/// What a customer's page needs to show the shop's look: where its logo and colours are served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShopLook {
    pub shop_id: Uuid,
    pub logo: bool,
}

pub(crate) async fn look_of(q: &mut impl Queries, scope: ShopScope) -> Result<ShopLook, AppError> {
    Ok(ShopLook {
        shop_id: scope.shop_id(),
        logo: brand_of(q, scope).await?.logo.is_some(),
    })
}

/// The shop's look (the defaults while it has none).
pub(crate) async fn brand_of(q: &mut impl Queries, scope: ShopScope) -> Result<Brand, AppError> {
    Ok(store::get(q, scope).await?.into())
}

/// Where a shop's logo is served, under the installation's address.
pub fn logo_path(shop_id: Uuid) -> String {
    format!("/brand/{shop_id}/logo")
}

impl App {
    fn brand_view(&self, scope: ShopScope, brand: &Brand) -> BrandView {
        BrandView {
            accent_colour: brand.accent_colour.clone(),
            logo_url: brand
                .logo
                .as_ref()
                .map(|_| format!("{}{}", self.public_url(), logo_path(scope.shop_id()))),
            logo_format: brand.logo.as_ref().map(|l| l.format.as_str().to_owned()),
        }
    }

    /// The principal's shop's look, for printing its documents.
    pub async fn shop_brand(&self, principal: &Principal) -> Result<Brand, AppError> {
        let mut conn = self.db.read().await?;
        brand_of(&mut conn, principal.read_scope()).await
    }

    pub async fn brand(&self, principal: &Principal) -> Result<BrandView, AppError> {
        let scope = principal.read_scope();
        let mut conn = self.db.read().await?;
        let brand = brand_of(&mut conn, scope).await?;
        Ok(self.brand_view(scope, &brand))
    }

    /// Changes the shop's look (owner or manager): `change` gets the current one.
    async fn change_brand(
        &self,
        principal: &Principal,
        change: impl FnOnce(&mut Brand),
    ) -> Result<BrandView, AppError> {
        let scope = principal.admin_scope()?;
        let mut tx = self.db.begin().await?;
        let mut brand = brand_of(&mut tx, scope).await?;
        change(&mut brand);
        store::put(&mut tx, scope, &brand.row(), now_micros()).await?;
        tx.commit().await?;
        Ok(self.brand_view(scope, &brand))
    }

    pub async fn put_accent_colour(
        &self,
        principal: &Principal,
        input: &BrandInput,
    ) -> Result<BrandView, AppError> {
        let colour = accent_colour(&input.accent_colour)
            .map_err(|e| AppError::invalid("/accent_colour", e))?;
        self.change_brand(principal, |b| b.accent_colour = colour)
            .await
    }

    /// Sets the logo from its bytes: a PNG or SVG of at most 100 KB, known by its content.
    pub async fn put_logo(
        &self,
        principal: &Principal,
        bytes: &[u8],
    ) -> Result<BrandView, AppError> {
        let format = LogoFormat::sniff(bytes).map_err(|e| AppError::invalid("/logo", e))?;
        let logo = Logo {
            bytes: bytes.to_vec(),
            format,
        };
        self.change_brand(principal, |b| b.logo = Some(logo)).await
    }

    pub async fn delete_logo(&self, principal: &Principal) -> Result<BrandView, AppError> {
        self.change_brand(principal, |b| b.logo = None).await
    }

    /// A shop's look for anyone: its logo is in the shop's mail and, with its colour, on its
    /// customers' pages.
    pub async fn public_brand(&self, shop_id: Uuid) -> Result<Brand, AppError> {
        let mut conn = self.db.read().await?;
        Ok(store::public(&mut conn, shop_id).await?.into())
    }
}

//! Table and column names, each spelled once (sea-query identifiers).

use sea_query::Iden;

#[derive(Iden, Clone, Copy)]
pub enum Shops {
    Table,
    ShopId,
    Name,
    BusinessId,
    VatId,
    Address,
    Iban,
    Bic,
    DefaultCurrency,
    DefaultLanguage,
    Languages,
    TimeZone,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum ShopCounters {
    Table,
    ShopId,
    LastOrderNumber,
    LastEventId,
}

#[derive(Iden, Clone, Copy)]
pub enum Users {
    Table,
    UserId,
    Email,
    EmailKey,
    Name,
    PasswordHash,
    CreatedAt,
    UiLanguage,
}

#[derive(Iden, Clone, Copy)]
pub enum Memberships {
    Table,
    ShopId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum ApiTokens {
    Table,
    ShopId,
    TokenId,
    Name,
    Role,
    SecretHash,
    CreatedBy,
    CreatedAt,
    RevokedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Channels {
    Table,
    ShopId,
    Code,
    Name,
    Kind,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Customers {
    Table,
    ShopId,
    CustomerId,
    Kind,
    Name,
    Email,
    EmailKey,
    Phone,
    BusinessId,
    VatId,
    ContactPerson,
    Language,
    BillingAddress,
    DeliveryAddress,
    CreatedAt,
    UpdatedAt,
    SearchText,
}

#[derive(Iden, Clone, Copy)]
pub enum Orders {
    Table,
    ShopId,
    OrderId,
    Number,
    Channel,
    Origin,
    ExternalId,
    Language,
    Currency,
    PricesIncludeVat,
    CustomerId,
    CustomerKind,
    CustomerName,
    CustomerEmail,
    CustomerPhone,
    CustomerBusinessId,
    CustomerVatId,
    CustomerContactPerson,
    BillingAddress,
    DeliveryAddress,
    State,
    PaymentState,
    DeliveryState,
    Tags,
    Net,
    Vat,
    Gross,
    VatBreakdown,
    LineCount,
    SearchText,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(Iden, Clone, Copy)]
pub enum OrderLines {
    Table,
    ShopId,
    OrderId,
    Position,
    ProductId,
    Sku,
    Name,
    Kind,
    Quantity,
    UnitPrice,
    VatRate,
    Discount,
    Total,
    ReservationStart,
    ReservationEnd,
    PurchaseProcess,
}

#[derive(Iden, Clone, Copy)]
pub enum OrderTags {
    Table,
    ShopId,
    OrderId,
    Tag,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum OrderNotes {
    Table,
    ShopId,
    OrderId,
    NoteId,
    Body,
    ActorKind,
    ActorId,
    ActorLabel,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum OrderEvents {
    Table,
    ShopId,
    EventId,
    OrderId,
    Kind,
    ActorKind,
    ActorId,
    ActorLabel,
    Data,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum IdempotencyKeys {
    Table,
    ShopId,
    IdempotencyKey,
    RequestHash,
    ResponseStatus,
    ResponseBody,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Products {
    Table,
    ShopId,
    ProductId,
    Sku,
    Names,
    Kind,
    UnitPrice,
    VatRate,
    PricesIncludeVat,
    PurchaseProcess,
    SearchText,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum AuditLog {
    Table,
    ShopId,
    AuditId,
    Action,
    Subject,
    ActorKind,
    ActorId,
    ActorLabel,
    Data,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum AdminSessions {
    Table,
    TokenHash,
    UserId,
    ShopId,
    CsrfToken,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
}

#[derive(Iden, Clone, Copy)]
pub enum LoginThrottle {
    Table,
    Bucket,
    Failures,
    WindowStart,
    LockedUntil,
}

#[derive(Iden, Clone, Copy)]
pub enum SavedViews {
    Table,
    ShopId,
    ViewId,
    UserId,
    Name,
    Query,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum ShopInvoicing {
    Table,
    ShopId,
    PaymentTermsDays,
    LateInterest,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum HighlightRules {
    Table,
    ShopId,
    RuleId,
    UserId,
    Shared,
    Name,
    Field,
    Condition,
    Value,
    Colour,
    Icon,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum DocumentSeries {
    Table,
    ShopId,
    Kind,
    Prefix,
    NextNumber,
}

#[derive(Iden, Clone, Copy)]
pub enum Documents {
    Table,
    ShopId,
    DocumentId,
    OrderId,
    Kind,
    Number,
    DisplayNumber,
    Reference,
    Currency,
    Total,
    IssueDate,
    DueDate,
    CreditsDocumentId,
    Content,
    ActorKind,
    ActorId,
    ActorLabel,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Payments {
    Table,
    ShopId,
    PaymentId,
    OrderId,
    DocumentId,
    Method,
    Provider,
    ProviderReference,
    Reference,
    Status,
    Amount,
    Refunded,
    Currency,
    ActorKind,
    ActorId,
    ActorLabel,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Jobs {
    Table,
    JobId,
    ShopId,
    Kind,
    Payload,
    DedupeKey,
    State,
    Attempts,
    AttemptsBeforeRetry,
    RunAt,
    LeaseToken,
    LockedUntil,
    LastError,
    CreatedAt,
    FinishedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum JobAttempts {
    Table,
    JobId,
    Attempt,
    StartedAt,
    FinishedAt,
    Outcome,
    Error,
}

#[derive(Iden, Clone, Copy)]
pub enum JobSchedule {
    Table,
    Kind,
    PeriodKey,
    JobId,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Messages {
    Table,
    ShopId,
    MessageId,
    OrderId,
    CustomerId,
    Kind,
    Channel,
    Recipient,
    Language,
    FallbackFrom,
    Subject,
    BodyText,
    BodyHtml,
    State,
    ProviderId,
    FailureReason,
    ResendOf,
    JobId,
    Attempts,
    CreatedAt,
    UpdatedAt,
    SentAt,
    Attachments,
}

#[derive(Iden, Clone, Copy)]
pub enum MessageSettings {
    Table,
    ShopId,
    AutomaticEmail,
    ReplyTo,
    SmsSender,
    QuietFrom,
    QuietUntil,
    PhoneCountry,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum PaymentProviders {
    Table,
    ShopId,
    Provider,
    ApiKeySealed,
    PrivateKeySealed,
    ApiKeyLast4,
    PrivateKeyLast4,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum PaymentLinks {
    Table,
    ShopId,
    LinkId,
    OrderId,
    TokenHash,
    Fingerprint,
    ExpiresAt,
    ActorKind,
    ActorId,
    ActorLabel,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum PaymentLinkAttempts {
    Table,
    ShopId,
    PaymentId,
    LinkId,
    Provider,
    ProviderOrderNumber,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum ShopTerms {
    Table,
    ShopId,
    Language,
    Body,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum ConfirmationLinks {
    Table,
    ShopId,
    LinkId,
    OrderId,
    TokenHash,
    Fingerprint,
    ExpiresAt,
    ActorKind,
    ActorId,
    ActorLabel,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum OrderConfirmations {
    Table,
    ShopId,
    ConfirmationId,
    OrderId,
    LinkId,
    Name,
    Title,
    Snapshot,
    SnapshotSha256,
    Fingerprint,
    IpAddress,
    UserAgent,
    ConfirmedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum DunningSettings {
    Table,
    ShopId,
    Enabled,
    GraceDays,
    Levels,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum InvoiceReminders {
    Table,
    ShopId,
    DocumentId,
    Level,
    MessageId,
    Fee,
    SentOn,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum DunningStops {
    Table,
    ShopId,
    StopId,
    DocumentId,
    CustomerId,
    ActorLabel,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum MessageTemplates {
    Table,
    ShopId,
    Kind,
    Channel,
    Language,
    Subject,
    BodyText,
    BodyHtml,
    UpdatedBy,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Deliveries {
    Table,
    ShopId,
    DeliveryId,
    OrderId,
    Step,
    Carrier,
    TrackingNumber,
    TrackingUrl,
    CreatedAt,
    UpdatedAt,
    ShippedAt,
    DeliveredAt,
}

#[derive(Iden, Clone, Copy)]
pub enum NotificationRules {
    Table,
    Rules,
}

#[derive(Iden, Clone, Copy)]
pub enum PaymentSettings {
    Table,
    Accepted,
}

#[derive(Iden, Clone, Copy)]
pub enum ExportSchedules {
    Table,
    ShopId,
    ScheduleId,
    Recipient,
    Frequency,
    OrdersFormat,
    Documents,
    Language,
    SentUpTo,
    CreatedBy,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum ShopBrands {
    Table,
    ShopId,
    AccentColour,
    Logo,
    LogoFormat,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum PaymentRefunds {
    Table,
    ShopId,
    RefundId,
    PaymentId,
    Amount,
    Provider,
    ProviderRefundId,
    Status,
    ActorLabel,
    CreatedAt,
    UpdatedAt,
}

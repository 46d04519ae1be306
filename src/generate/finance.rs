//! Bank accounts, exchange rates and transactions for seed scenario 9 (financial
//! transaction processing).
//!
//! Tables (the seed's `accounts` is `fin_accounts` and its `historical_transaction_stats`
//! is `fin_historical_stats`, because other groups write into the same data root):
//!
//! * `exchange_rates` (currency_code, usd_rate): 12 currencies with fixed rates of at
//!   most 6 decimals, as in the seed (no dates).
//! * `fin_accounts` (account_id, customer_id, account_type, home_currency,
//!   home_location, starting_balance, open_date): `10,000 × scale` accounts `ACC00000001`,
//!   ... in 25 cities (the city fixes the home currency). `starting_balance` is in USD,
//!   as the seed adds USD amounts to it; every fifth account shares its customer with
//!   the account before it.
//! * `fin_transactions` (the seed's schema: transaction_id, account_id,
//!   transaction_type, amount, currency, timestamp, merchant_id, merchant_category,
//!   location, device_id): 2024-01-01 to 2024-03-31 UTC (91 days), about 23 per
//!   account (≈234k at scale 1). Types and categories: `debit` purchases and `refund`s in eight
//!   shop categories (Poisson, per-account category mix), monthly `payment`s of 1–3
//!   bills (utilities, telecom, insurance) on a fixed day, `deposit`s of a salary
//!   (`payroll`, monthly or twice a month), `withdrawal`s (`cash`) and incoming
//!   `credit` transfers (`transfer`, no merchant). Amounts are positive with 2 decimals
//!   in the transaction's currency (the sign comes from the type, as in the seed);
//!   3 % of purchases are in a foreign currency. `transaction_id` is
//!   `TX<account><seq>`: `seq` numbers an account's transactions in arrival order.
//!   0.5 % of the accounts are dormant (no transactions).
//! * `fin_historical_stats` (account_id, merchant_category, avg_amount, stddev_amount,
//!   usual_location, avg_daily_transactions): for every category an account uses, the
//!   mean and standard deviation in USD of its amounts, its home city, and the
//!   expected number of its transactions in the category on a day that has any
//!   (`λ / (1 − e^−λ)` for a Poisson rate λ a day, 1 for scheduled bills and salaries):
//!   the statistics a long history of the same account would give.
//!
//! # What is planted
//!
//! Amounts are drawn from a normal distribution per account and category (mean × the
//! account's wealth, coefficient of variation 3–40 % by category), so the seed's
//! anomaly rule has a known answer. `planted_fin_anomalies` (transaction_id,
//! account_id, kind) lists:
//!
//! * `amount`: one purchase in 8 % of the accounts of 6–12 standard deviations above
//!   the category mean (z-score > 3 against `fin_historical_stats`).
//! * `location`: 1–2 purchases in 6 % of the accounts in another city (paid in that
//!   city's currency), whereas the account's usual location is its home city.
//! * `frequency`: a burst of 4–8 purchases within a few hours in one shop category in
//!   2.5 % of the accounts, on a UTC day without other transactions in that category
//!   (more than twice `avg_daily_transactions`, which is below 1.2).
//!
//! Unplanted transactions can break the rule too: 0.2 % are in another city, and
//! normal amounts exceed 3 standard deviations 0.13 % of the time.
//!
//! Bad input, one defect per row, in 1 % of the accounts each (`planted_fin_bad_input`
//! (transaction_id, account_id, reason) lists every row): `null_timestamp`,
//! `null_amount`, `invalid_amount` (negative, zero or NaN), `unknown_account` (an
//! account id that does not exist, or NULL), `unknown_currency` (BTC, XAU, ZZZ or
//! NULL) and `unknown_transaction_type` (`transfer`, `chargeback` or NULL: the seed's
//! rule has no sign for them). `out_of_order` rows are valid transactions that arrive
//! late (2 % of the accounts, one each): a timestamp 1 minute to 36 hours before the
//! previous transaction of the account (by `transaction_id`), whereas every other
//! transaction is later than all transactions of its account before it.
//!
//! `planted_fin_balances` (account_id, starting_balance, expected_balance,
//! transaction_count, last_transaction_time) holds each account's balance after all
//! valid transactions (every row of `fin_transactions` not rejected above): the
//! starting balance plus deposits, credits and refunds, minus withdrawals, debits and
//! payments, each converted with `round(amount × usd_rate, 2)` in exact decimal
//! arithmetic (half away from zero). Balances are `DECIMAL(18, 2)`.
//!
//! Determinism: each account's model comes from its own stream, its transactions from
//! another, so the tables are regenerated per chunk of accounts (in bounded batches)
//! and the ground truth tables recompute the same transactions.

use std::path::Path;
use std::sync::Arc;

use deltalake::arrow::array::{
    ArrayRef, Date32Builder, Decimal128Builder, Float64Builder, Int64Builder, RecordBatch,
    StringBuilder, TimestampMicrosecondBuilder,
};
use deltalake::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use deltalake::arrow::error::ArrowError;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::delta_writer::{write_delta, BatchIter, BATCH_ROWS};
use super::{
    cdf, gaussian, id_chunks, poisson, sample_cdf, sub_rng, tag, utc_micros, GenerateError,
};

/// 2024-01-01 00:00:00 UTC in seconds since the epoch: the first transaction day.
const START_SECS: i64 = 1_704_067_200;
/// Days of transactions: 2024-01-01 ..= 2024-03-31.
const DAYS: i64 = 91;
const DAY_SECS: i64 = 86_400;
/// First day of each month of the period, as day offsets from [`START_SECS`].
const MONTH_STARTS: [i64; 3] = [0, 31, 60];
const ACCOUNTS_PER_SCALE: u64 = 10_000;
/// Account ids have 8 digits; unknown accounts use ids above the real ones.
const MAX_SCALE: u32 = 4_000;
/// Expected transactions per account, for progress lines and chunk sizes.
const ROWS_PER_ACCOUNT: u64 = 23;
/// Days per month used for monthly rates.
const MONTH_DAYS: f64 = 30.4;

// Monthly rates of the Poisson transaction kinds (times the account's activity).
const DEBITS_PER_MONTH: f64 = 3.0;
const REFUNDS_PER_MONTH: f64 = 0.2;
const WITHDRAWALS_PER_MONTH: f64 = 0.6;
const CREDITS_PER_MONTH: f64 = 0.3;

// Planted structure, as probabilities per account (or per transaction).
const P_DORMANT: f64 = 0.005;
const P_AMOUNT_ANOMALY: f64 = 0.08;
const P_LOCATION_ANOMALY: f64 = 0.06;
const P_BURST: f64 = 0.025;
const P_LATE: f64 = 0.02;
const P_BAD: f64 = 0.01;
/// Unplanted transactions in another city.
const P_AWAY: f64 = 0.002;
/// Purchases in a foreign currency (at home, e.g. online).
const P_FOREIGN_CURRENCY: f64 = 0.03;

/// Currency code and USD rate in millionths.
const CURRENCIES: [(&str, i64); 12] = [
    ("USD", 1_000_000),
    ("EUR", 1_085_000),
    ("GBP", 1_270_000),
    ("JPY", 6_700),
    ("CAD", 740_000),
    ("AUD", 660_000),
    ("CHF", 1_130_000),
    ("INR", 12_000),
    ("MXN", 59_000),
    ("BRL", 200_000),
    ("SEK", 95_000),
    ("SGD", 745_000),
];
/// Currencies transactions use (SEK and SGD only appear in the rate table).
const USED_CURRENCIES: usize = 10;

/// City, index into [`CURRENCIES`], weight as a home city.
const CITIES: [(&str, usize, f64); 25] = [
    ("New York", 0, 3.0),
    ("Chicago", 0, 2.0),
    ("San Francisco", 0, 2.0),
    ("Austin", 0, 1.0),
    ("Seattle", 0, 1.0),
    ("Boston", 0, 1.0),
    ("Miami", 0, 1.0),
    ("London", 2, 2.0),
    ("Manchester", 2, 1.0),
    ("Paris", 1, 2.0),
    ("Berlin", 1, 1.0),
    ("Madrid", 1, 1.0),
    ("Rome", 1, 1.0),
    ("Amsterdam", 1, 1.0),
    ("Toronto", 4, 1.0),
    ("Vancouver", 4, 1.0),
    ("Sydney", 5, 1.0),
    ("Melbourne", 5, 1.0),
    ("Tokyo", 3, 1.0),
    ("Osaka", 3, 1.0),
    ("Zurich", 6, 1.0),
    ("Mumbai", 7, 1.0),
    ("Bangalore", 7, 1.0),
    ("Mexico City", 8, 1.0),
    ("Sao Paulo", 9, 1.0),
];

/// What kind of transactions a category holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CatKind {
    /// `debit` purchases and `refund`s (Poisson).
    Shop,
    /// Monthly `payment`s on a fixed day.
    Bill,
    /// Salary `deposit`s on the 1st (and 15th).
    Payroll,
    /// `withdrawal`s (Poisson).
    Cash,
    /// Incoming `credit` transfers (Poisson).
    Transfer,
}

/// Category name, mean amount in USD (before the account's wealth factor),
/// coefficient of variation, kind.
const CATEGORIES: [(&str, f64, f64, CatKind); 14] = [
    ("grocery", 65.0, 0.30, CatKind::Shop),
    ("restaurants", 40.0, 0.35, CatKind::Shop),
    ("fuel", 50.0, 0.20, CatKind::Shop),
    ("electronics", 300.0, 0.35, CatKind::Shop),
    ("clothing", 90.0, 0.30, CatKind::Shop),
    ("entertainment", 35.0, 0.30, CatKind::Shop),
    ("travel", 450.0, 0.35, CatKind::Shop),
    ("healthcare", 120.0, 0.30, CatKind::Shop),
    ("utilities", 140.0, 0.15, CatKind::Bill),
    ("telecom", 75.0, 0.10, CatKind::Bill),
    ("insurance", 210.0, 0.05, CatKind::Bill),
    ("payroll", 2_500.0, 0.03, CatKind::Payroll),
    ("cash", 120.0, 0.35, CatKind::Cash),
    ("transfer", 300.0, 0.40, CatKind::Transfer),
];
const SHOP_CATEGORIES: usize = 8;
const BILL_CATEGORIES: std::ops::Range<usize> = 8..11;
const PAYROLL: usize = 11;
const CASH: usize = 12;
const TRANSFER: usize = 13;

/// Shops per category, employers and ATMs (independent of scale).
const SHOPS_PER_CATEGORY: u32 = 400;
const BILL_PROVIDERS: u32 = 20;
const EMPLOYERS: u32 = 2_000;
const ATMS: u32 = 5_000;

/// The six transaction types of the seed's balance rule and their sign.
const TYPES: [(&str, i64); 6] = [
    ("deposit", 1),
    ("credit", 1),
    ("refund", 1),
    ("withdrawal", -1),
    ("debit", -1),
    ("payment", -1),
];
const DEPOSIT: usize = 0;
const CREDIT: usize = 1;
const REFUND: usize = 2;
const WITHDRAWAL: usize = 3;
const DEBIT: usize = 4;
const PAYMENT: usize = 5;

/// Planted anomaly kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anomaly {
    Amount,
    Location,
    Frequency,
}

impl Anomaly {
    fn name(self) -> &'static str {
        match self {
            Anomaly::Amount => "amount",
            Anomaly::Location => "location",
            Anomaly::Frequency => "frequency",
        }
    }
}

/// Planted bad input: the reason the script must give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bad {
    NullTimestamp,
    NullAmount,
    InvalidAmount,
    UnknownAccount,
    UnknownCurrency,
    UnknownType,
}

impl Bad {
    const ALL: [Bad; 6] = [
        Bad::NullTimestamp,
        Bad::NullAmount,
        Bad::InvalidAmount,
        Bad::UnknownAccount,
        Bad::UnknownCurrency,
        Bad::UnknownType,
    ];

    fn name(self) -> &'static str {
        match self {
            Bad::NullTimestamp => "null_timestamp",
            Bad::NullAmount => "null_amount",
            Bad::InvalidAmount => "invalid_amount",
            Bad::UnknownAccount => "unknown_account",
            Bad::UnknownCurrency => "unknown_currency",
            Bad::UnknownType => "unknown_transaction_type",
        }
    }
}

/// Why a transaction is in the ground truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Normal,
    Anomaly(Anomaly),
    Bad(Bad),
    /// A valid transaction that arrives after a later one of its account.
    Late,
}

/// Who the transaction is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AccountRef {
    Own,
    /// An account number with no row in `fin_accounts`.
    Missing(u64),
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Merchant {
    None,
    Shop(usize, u32),
    Employer(u32),
    Atm(u32),
}

/// One row of `fin_transactions` before formatting.
#[derive(Debug, Clone, PartialEq)]
struct Event {
    /// Seconds since the epoch (also the arrival order before late rows are moved).
    secs: i64,
    ts_null: bool,
    /// Index into [`TYPES`], or an unknown type (`Err(Some(name))`) or NULL (`Err(None)`).
    tx_type: Result<usize, Option<&'static str>>,
    category: usize,
    merchant: Merchant,
    /// Amount in cents of `currency` (valid rows), the written amount.
    cents: i64,
    amount: Option<f64>,
    /// Index into [`CURRENCIES`], or an unknown code / NULL.
    currency: Result<usize, Option<&'static str>>,
    city: usize,
    device: u8,
    account: AccountRef,
    mark: Mark,
}

impl Event {
    fn valid(&self) -> bool {
        !matches!(self.mark, Mark::Bad(_))
    }

    /// The signed USD cents of a valid row: `round(amount × usd_rate, 2)`, half away
    /// from zero, as the script's decimal arithmetic does.
    fn signed_usd_cents(&self) -> i64 {
        let (Ok(t), Ok(c)) = (self.tx_type, self.currency) else {
            return 0;
        };
        TYPES[t].1 * usd_cents(self.cents, CURRENCIES[c].1)
    }
}

/// `cents × rate_micros / 10^6` rounded half away from zero.
fn usd_cents(cents: i64, rate_micros: i64) -> i64 {
    let p = i128::from(cents) * i128::from(rate_micros);
    let (q, r) = (p / 1_000_000, p % 1_000_000);
    let rounded = if r.abs() * 2 >= 1_000_000 {
        q + p.signum()
    } else {
        q
    };
    rounded as i64
}

/// An account's model of one category.
#[derive(Debug, Clone, PartialEq)]
struct CatModel {
    category: usize,
    /// Mean and standard deviation of amounts in USD.
    mean: f64,
    sd: f64,
    /// Expected transactions a day (Poisson kinds), `None` for scheduled ones.
    rate: Option<f64>,
    /// Day of month of a bill (1..=28).
    bill_day: i64,
    /// Bill provider, or the account's favourite shops.
    merchants: [u32; 3],
}

impl CatModel {
    /// Expected transactions on a day that has at least one.
    fn avg_daily(&self) -> f64 {
        match self.rate {
            Some(l) if l > 0.0 => l / (1.0 - (-l).exp()),
            _ => 1.0,
        }
    }
}

/// One account and its transaction model.
#[derive(Debug, Clone, PartialEq)]
struct Account {
    number: u64,
    home: usize,
    account_type: &'static str,
    open_day: i32,
    starting_cents: i64,
    dormant: bool,
    devices: u8,
    employer: u32,
    semi_monthly: bool,
    /// Shop categories first (with weights in `shop_cdf`), then bills, payroll, cash
    /// and transfer.
    cats: Vec<CatModel>,
    shops: usize,
    shop_cdf: Vec<f64>,
    debit_rate: f64,
    refund_rate: f64,
}

fn account_id(number: u64) -> String {
    format!("ACC{number:08}")
}

fn home_cdf() -> Vec<f64> {
    cdf(&CITIES.map(|c| c.2))
}

impl Account {
    fn new(seed: u64, number: u64, homes: &[f64]) -> Account {
        let mut rng = sub_rng(seed, tag::FIN_ACCOUNT, number);
        let home = sample_cdf(&mut rng, homes);
        let u = rng.random::<f64>();
        let account_type = if u < 0.7 {
            "checking"
        } else if u < 0.9 {
            "savings"
        } else {
            "business"
        };
        let wealth: f64 = rng.random_range(0.6..1.8);
        let activity: f64 = rng.random_range(0.6..1.4);
        let starting_cents = (rng.random_range(200.0..20_000.0) * wealth * 100.0).round() as i64;
        // Opened in the ten years before the period.
        let open_day = (START_SECS / DAY_SECS) as i32 - rng.random_range(30..3_650);
        let dormant = rng.random_bool(P_DORMANT);
        let devices = rng.random_range(1..=3u8);
        let employer = rng.random_range(1..=EMPLOYERS);
        let semi_monthly = rng.random_bool(0.4);

        let debit_rate = DEBITS_PER_MONTH / MONTH_DAYS * activity;
        let refund_rate = REFUNDS_PER_MONTH / MONTH_DAYS * activity;
        let model = |rng: &mut ChaCha8Rng, category: usize, scale: f64, rate: Option<f64>| {
            let (_, base, cv, _) = CATEGORIES[category];
            let mean = base * scale;
            let pool = match CATEGORIES[category].3 {
                CatKind::Bill => BILL_PROVIDERS,
                _ => SHOPS_PER_CATEGORY,
            };
            CatModel {
                category,
                mean,
                sd: cv * mean,
                rate,
                bill_day: rng.random_range(1..=28),
                merchants: [
                    rng.random_range(1..=pool),
                    rng.random_range(1..=pool),
                    rng.random_range(1..=pool),
                ],
            }
        };

        // 4-8 shop categories with random weights.
        let mut shop_ids: Vec<usize> = (0..SHOP_CATEGORIES).collect();
        for i in (1..shop_ids.len()).rev() {
            shop_ids.swap(i, rng.random_range(0..=i));
        }
        shop_ids.truncate(rng.random_range(4..=SHOP_CATEGORIES));
        shop_ids.sort_unstable();
        let weights: Vec<f64> = shop_ids
            .iter()
            .map(|_| rng.random_range(0.2..1.0))
            .collect();
        let total: f64 = weights.iter().sum();
        let mut cats = Vec::new();
        for (&c, w) in shop_ids.iter().zip(&weights) {
            let rate = (debit_rate + refund_rate) * w / total;
            cats.push(model(&mut rng, c, wealth, Some(rate)));
        }
        let shops = cats.len();
        let shop_cdf = cdf(&weights);
        // 1-3 bills.
        for c in BILL_CATEGORIES {
            if c == BILL_CATEGORIES.start || rng.random_bool(0.6) {
                let scale = 0.7 + 0.3 * wealth;
                cats.push(model(&mut rng, c, scale, None));
            }
        }
        let pay_scale = wealth * if semi_monthly { 0.5 } else { 1.0 };
        cats.push(model(&mut rng, PAYROLL, pay_scale, None));
        cats.push(model(
            &mut rng,
            CASH,
            wealth,
            Some(WITHDRAWALS_PER_MONTH / MONTH_DAYS * activity),
        ));
        cats.push(model(
            &mut rng,
            TRANSFER,
            wealth,
            Some(CREDITS_PER_MONTH / MONTH_DAYS),
        ));
        Account {
            number,
            home,
            account_type,
            open_day,
            starting_cents,
            dormant,
            devices,
            employer,
            semi_monthly,
            cats,
            shops,
            shop_cdf,
            debit_rate,
            refund_rate,
        }
    }

    fn home_currency(&self) -> usize {
        CITIES[self.home].1
    }

    fn customer(&self) -> u64 {
        // Every fifth account belongs to the customer of the account before it.
        (self.number * 4).div_ceil(5)
    }

    fn cat(&self, category: usize) -> Option<&CatModel> {
        self.cats.iter().find(|m| m.category == category)
    }

    /// A normal amount of `model` in USD (at least 1.00).
    fn draw_usd(rng: &mut ChaCha8Rng, model: &CatModel) -> f64 {
        for _ in 0..100 {
            let x = model.mean + model.sd * gaussian(rng);
            if x >= 1.0 {
                return x;
            }
        }
        model.mean.max(1.0)
    }

    /// A valid event of `model` at `secs` with a normal amount.
    fn event(
        &self,
        rng: &mut ChaCha8Rng,
        model: &CatModel,
        tx_type: usize,
        secs: i64,
        usd: f64,
        currency: usize,
    ) -> Event {
        let cents = ((usd / CURRENCIES[currency].1 as f64 * 1e6) * 100.0).round() as i64;
        let cents = cents.max(1);
        let merchant = match CATEGORIES[model.category].3 {
            CatKind::Shop => {
                let shop = if rng.random_bool(0.75) {
                    model.merchants[rng.random_range(0..3)]
                } else {
                    rng.random_range(1..=SHOPS_PER_CATEGORY)
                };
                Merchant::Shop(model.category, shop)
            }
            CatKind::Bill => Merchant::Shop(model.category, model.merchants[0]),
            CatKind::Payroll => Merchant::Employer(self.employer),
            CatKind::Cash => Merchant::Atm(rng.random_range(1..=ATMS)),
            CatKind::Transfer => Merchant::None,
        };
        Event {
            secs,
            ts_null: false,
            tx_type: Ok(tx_type),
            category: model.category,
            merchant,
            cents,
            amount: Some(cents as f64 / 100.0),
            currency: Ok(currency),
            city: self.home,
            device: rng.random_range(1..=self.devices),
            account: AccountRef::Own,
            mark: Mark::Normal,
        }
    }

    fn random_secs(rng: &mut ChaCha8Rng) -> i64 {
        START_SECS + rng.random_range(0..DAYS * DAY_SECS)
    }

    fn shop_model(&self, rng: &mut ChaCha8Rng) -> &CatModel {
        &self.cats[sample_cdf(rng, &self.shop_cdf).min(self.shops - 1)]
    }

    /// All rows of the account in arrival order (`seq` = position + 1).
    fn events(&self, seed: u64, n_accounts: u64) -> Vec<Event> {
        if self.dormant {
            return Vec::new();
        }
        let mut rng = sub_rng(seed, tag::FIN_EVENTS, self.number);
        let home_cur = self.home_currency();
        let mut events = Vec::new();
        let period = DAYS as f64;

        // Purchases and refunds.
        for _ in 0..poisson(&mut rng, self.debit_rate * period) {
            let m = self.shop_model(&mut rng).clone();
            let secs = Self::random_secs(&mut rng);
            let usd = Self::draw_usd(&mut rng, &m);
            let currency = if rng.random_bool(P_FOREIGN_CURRENCY) {
                (home_cur + rng.random_range(1..USED_CURRENCIES)) % USED_CURRENCIES
            } else {
                home_cur
            };
            events.push(self.event(&mut rng, &m, DEBIT, secs, usd, currency));
        }
        for _ in 0..poisson(&mut rng, self.refund_rate * period) {
            let m = self.shop_model(&mut rng).clone();
            let secs = Self::random_secs(&mut rng);
            let usd = Self::draw_usd(&mut rng, &m);
            events.push(self.event(&mut rng, &m, REFUND, secs, usd, home_cur));
        }
        // Scheduled bills and salaries.
        for m in &self.cats {
            let kind = CATEGORIES[m.category].3;
            let days: Vec<i64> = match kind {
                CatKind::Bill => MONTH_STARTS.iter().map(|s| s + m.bill_day - 1).collect(),
                CatKind::Payroll if self.semi_monthly => {
                    MONTH_STARTS.iter().flat_map(|s| [*s, s + 14]).collect()
                }
                CatKind::Payroll => MONTH_STARTS.to_vec(),
                _ => continue,
            };
            let tx_type = if kind == CatKind::Bill {
                PAYMENT
            } else {
                DEPOSIT
            };
            for day in days {
                let secs = START_SECS + day * DAY_SECS + rng.random_range(6 * 3600..20 * 3600);
                let usd = Self::draw_usd(&mut rng, m);
                events.push(self.event(&mut rng, m, tx_type, secs, usd, home_cur));
            }
        }
        // Withdrawals and incoming transfers.
        for (category, tx_type) in [(CASH, WITHDRAWAL), (TRANSFER, CREDIT)] {
            let Some(m) = self.cat(category) else {
                continue;
            };
            for _ in 0..poisson(&mut rng, m.rate.unwrap_or(0.0) * period) {
                let secs = Self::random_secs(&mut rng);
                let usd = Self::draw_usd(&mut rng, m);
                events.push(self.event(&mut rng, m, tx_type, secs, usd, home_cur));
            }
        }
        // Unplanted transactions away from home.
        for e in &mut events {
            if rng.random_bool(P_AWAY) {
                e.city = (e.city + rng.random_range(1..CITIES.len())) % CITIES.len();
            }
        }

        self.plant_anomalies(&mut rng, &mut events);
        self.plant_bad_rows(&mut rng, &mut events, n_accounts);

        // Arrival order: by time, strictly increasing to the second.
        events.sort_by_key(|e| e.secs);
        for i in 1..events.len() {
            events[i].secs = events[i].secs.max(events[i - 1].secs + 1);
        }
        self.plant_late(&mut rng, &mut events);
        events
    }

    fn plant_anomalies(&self, rng: &mut ChaCha8Rng, events: &mut Vec<Event>) {
        let home_cur = self.home_currency();
        if rng.random_bool(P_AMOUNT_ANOMALY) {
            let m = self.cats[rng.random_range(0..self.shops)].clone();
            let usd = m.mean + m.sd * rng.random_range(6.0..12.0);
            let secs = Self::random_secs(rng);
            let mut e = self.event(rng, &m, DEBIT, secs, usd, home_cur);
            e.mark = Mark::Anomaly(Anomaly::Amount);
            events.push(e);
        }
        if rng.random_bool(P_LOCATION_ANOMALY) {
            for _ in 0..rng.random_range(1..=2) {
                let m = self.shop_model(rng).clone();
                let city = (self.home + rng.random_range(1..CITIES.len())) % CITIES.len();
                let usd = Self::draw_usd(rng, &m);
                let secs = Self::random_secs(rng);
                let mut e = self.event(rng, &m, DEBIT, secs, usd, CITIES[city].1);
                e.city = city;
                e.mark = Mark::Anomaly(Anomaly::Location);
                events.push(e);
            }
        }
        if rng.random_bool(P_BURST) {
            let m = self.cats[rng.random_range(0..self.shops)].clone();
            let busy = |day: i64| {
                events
                    .iter()
                    .any(|e| e.category == m.category && (e.secs - START_SECS) / DAY_SECS == day)
            };
            let day = (0..20)
                .map(|_| rng.random_range(0..DAYS))
                .find(|&d| !busy(d));
            if let Some(day) = day {
                let mut secs = START_SECS + day * DAY_SECS + rng.random_range(0..18 * 3600);
                for _ in 0..rng.random_range(4..=8) {
                    let usd = Self::draw_usd(rng, &m);
                    let mut e = self.event(rng, &m, DEBIT, secs, usd, home_cur);
                    e.mark = Mark::Anomaly(Anomaly::Frequency);
                    events.push(e);
                    secs += rng.random_range(120..1_200);
                }
            }
        }
    }

    fn plant_bad_rows(&self, rng: &mut ChaCha8Rng, events: &mut Vec<Event>, n_accounts: u64) {
        for bad in Bad::ALL {
            if !rng.random_bool(P_BAD) {
                continue;
            }
            let m = self.shop_model(rng).clone();
            let usd = Self::draw_usd(rng, &m);
            let secs = Self::random_secs(rng);
            let mut e = self.event(rng, &m, DEBIT, secs, usd, self.home_currency());
            e.mark = Mark::Bad(bad);
            match bad {
                Bad::NullTimestamp => e.ts_null = true,
                Bad::NullAmount => e.amount = None,
                Bad::InvalidAmount => {
                    e.amount = Some(match rng.random_range(0..3) {
                        0 => -(e.cents as f64) / 100.0,
                        1 => 0.0,
                        _ => f64::NAN,
                    });
                }
                Bad::UnknownAccount => {
                    e.account = if rng.random_bool(0.2) {
                        AccountRef::Null
                    } else {
                        AccountRef::Missing(n_accounts + self.number)
                    };
                }
                Bad::UnknownCurrency => {
                    e.currency =
                        Err([Some("BTC"), Some("XAU"), Some("ZZZ"), None][rng.random_range(0..4)]);
                }
                Bad::UnknownType => {
                    e.tx_type =
                        Err([Some("transfer"), Some("chargeback"), None][rng.random_range(0..3)]);
                }
            }
            events.push(e);
        }
    }

    /// Moves one normal row before the previous valid row of the account.
    fn plant_late(&self, rng: &mut ChaCha8Rng, events: &mut [Event]) {
        if !rng.random_bool(P_LATE) {
            return;
        }
        // Normal rows with a valid row before them.
        let candidates: Vec<(usize, i64)> = events
            .iter()
            .enumerate()
            .scan(None, |prev: &mut Option<i64>, (i, e)| {
                let item = match (*prev, e.mark) {
                    (Some(p), Mark::Normal) if p - START_SECS > 120 => Some((i, p)),
                    _ => None,
                };
                if e.valid() {
                    *prev = Some(e.secs);
                }
                Some(item)
            })
            .flatten()
            .collect();
        if candidates.is_empty() {
            return;
        }
        let (i, prev) = candidates[rng.random_range(0..candidates.len())];
        let back = rng.random_range(60..=36 * 3600).min(prev - START_SECS - 1);
        events[i].secs = prev - back;
        events[i].mark = Mark::Late;
    }
}

/// The account chunks of one pass over the data.
struct Finance {
    seed: u64,
    n_accounts: u64,
    homes: Vec<f64>,
}

impl Finance {
    fn new(seed: u64, scale: u32) -> Result<Finance, GenerateError> {
        if scale > MAX_SCALE {
            return Err(GenerateError::ScaleTooLarge(scale));
        }
        Ok(Finance {
            seed,
            n_accounts: ACCOUNTS_PER_SCALE * u64::from(scale),
            homes: home_cdf(),
        })
    }

    fn account(&self, number: u64) -> Account {
        Account::new(self.seed, number, &self.homes)
    }

    fn accounts_batch(&self, first: u64, last: u64) -> Result<RecordBatch, ArrowError> {
        let n = (last + 1 - first) as usize;
        let mut id = StringBuilder::with_capacity(n, n * 11);
        let mut customer = StringBuilder::with_capacity(n, n * 11);
        let mut kind = StringBuilder::with_capacity(n, n * 8);
        let mut currency = StringBuilder::with_capacity(n, n * 3);
        let mut location = StringBuilder::with_capacity(n, n * 10);
        let mut balance = Float64Builder::with_capacity(n);
        let mut opened = Date32Builder::with_capacity(n);
        for number in first..=last {
            let a = self.account(number);
            id.append_value(account_id(number));
            customer.append_value(format!("CUST{:08}", a.customer()));
            kind.append_value(a.account_type);
            currency.append_value(CURRENCIES[a.home_currency()].0);
            location.append_value(CITIES[a.home].0);
            balance.append_value(a.starting_cents as f64 / 100.0);
            opened.append_value(a.open_day);
        }
        RecordBatch::try_new(
            accounts_schema(),
            vec![
                Arc::new(id.finish()) as ArrayRef,
                Arc::new(customer.finish()),
                Arc::new(kind.finish()),
                Arc::new(currency.finish()),
                Arc::new(location.finish()),
                Arc::new(balance.finish()),
                Arc::new(opened.finish()),
            ],
        )
    }

    fn stats_batch(&self, first: u64, last: u64) -> Result<RecordBatch, ArrowError> {
        let mut id = StringBuilder::new();
        let mut category = StringBuilder::new();
        let mut avg = Float64Builder::new();
        let mut sd = Float64Builder::new();
        let mut location = StringBuilder::new();
        let mut daily = Float64Builder::new();
        for number in first..=last {
            let a = self.account(number);
            let account = account_id(number);
            for m in &a.cats {
                id.append_value(&account);
                category.append_value(CATEGORIES[m.category].0);
                avg.append_value(m.mean);
                sd.append_value(m.sd);
                location.append_value(CITIES[a.home].0);
                daily.append_value(m.avg_daily());
            }
        }
        RecordBatch::try_new(
            stats_schema(),
            vec![
                Arc::new(id.finish()) as ArrayRef,
                Arc::new(category.finish()),
                Arc::new(avg.finish()),
                Arc::new(sd.finish()),
                Arc::new(location.finish()),
                Arc::new(daily.finish()),
            ],
        )
    }

    fn transactions_batch(&self, first: u64, last: u64) -> Result<RecordBatch, ArrowError> {
        let n = ((last + 1 - first) * ROWS_PER_ACCOUNT) as usize;
        let mut id = StringBuilder::with_capacity(n, n * 15);
        let mut account = StringBuilder::with_capacity(n, n * 11);
        let mut tx_type = StringBuilder::with_capacity(n, n * 6);
        let mut amount = Float64Builder::with_capacity(n);
        let mut currency = StringBuilder::with_capacity(n, n * 3);
        let mut ts = TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
        let mut merchant = StringBuilder::with_capacity(n, n * 8);
        let mut category = StringBuilder::with_capacity(n, n * 8);
        let mut location = StringBuilder::with_capacity(n, n * 8);
        let mut device = StringBuilder::with_capacity(n, n * 10);
        for number in first..=last {
            let a = self.account(number);
            for (seq, e) in a.events(self.seed, self.n_accounts).iter().enumerate() {
                id.append_value(transaction_id(number, seq));
                match e.account {
                    AccountRef::Own => account.append_value(account_id(number)),
                    AccountRef::Missing(other) => account.append_value(account_id(other)),
                    AccountRef::Null => account.append_null(),
                }
                match e.tx_type {
                    Ok(t) => tx_type.append_value(TYPES[t].0),
                    Err(name) => tx_type.append_option(name),
                }
                amount.append_option(e.amount);
                match e.currency {
                    Ok(c) => currency.append_value(CURRENCIES[c].0),
                    Err(code) => currency.append_option(code),
                }
                if e.ts_null {
                    ts.append_null();
                } else {
                    ts.append_value(e.secs * 1_000_000);
                }
                match e.merchant {
                    Merchant::None => merchant.append_null(),
                    Merchant::Shop(c, k) => merchant.append_value(format!("M{c:02}-{k:04}")),
                    Merchant::Employer(k) => merchant.append_value(format!("EMP{k:05}")),
                    Merchant::Atm(k) => merchant.append_value(format!("ATM{k:05}")),
                }
                category.append_value(CATEGORIES[e.category].0);
                location.append_value(CITIES[e.city].0);
                device.append_value(format!("D{number:08}-{}", e.device));
            }
        }
        RecordBatch::try_new(
            transactions_schema(),
            vec![
                Arc::new(id.finish()) as ArrayRef,
                Arc::new(account.finish()),
                Arc::new(tx_type.finish()),
                Arc::new(amount.finish()),
                Arc::new(currency.finish()),
                Arc::new(ts.finish()),
                Arc::new(merchant.finish()),
                Arc::new(category.finish()),
                Arc::new(location.finish()),
                Arc::new(device.finish()),
            ],
        )
    }

    /// Planted anomalies (`bad == false`) or bad input rows of accounts `first..=last`.
    fn marks_batch(&self, first: u64, last: u64, bad: bool) -> Result<RecordBatch, ArrowError> {
        let mut id = StringBuilder::new();
        let mut account = StringBuilder::new();
        let mut kind = StringBuilder::new();
        for number in first..=last {
            let a = self.account(number);
            for (seq, e) in a.events(self.seed, self.n_accounts).iter().enumerate() {
                let name = match (e.mark, bad) {
                    (Mark::Anomaly(k), false) => k.name(),
                    (Mark::Bad(b), true) => b.name(),
                    (Mark::Late, true) => "out_of_order",
                    _ => continue,
                };
                id.append_value(transaction_id(number, seq));
                match e.account {
                    AccountRef::Own => account.append_value(account_id(number)),
                    AccountRef::Missing(other) => account.append_value(account_id(other)),
                    AccountRef::Null => account.append_null(),
                }
                kind.append_value(name);
            }
        }
        RecordBatch::try_new(
            marks_schema(if bad { "reason" } else { "kind" }),
            vec![
                Arc::new(id.finish()) as ArrayRef,
                Arc::new(account.finish()),
                Arc::new(kind.finish()),
            ],
        )
    }

    fn balances_batch(&self, first: u64, last: u64) -> Result<RecordBatch, ArrowError> {
        let n = (last + 1 - first) as usize;
        let mut id = StringBuilder::with_capacity(n, n * 11);
        let mut start = decimal_builder(n)?;
        let mut balance = decimal_builder(n)?;
        let mut count = Int64Builder::with_capacity(n);
        let mut last_ts = TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
        for number in first..=last {
            let a = self.account(number);
            let (mut cents, mut rows, mut latest) = (a.starting_cents, 0i64, None::<i64>);
            for e in a
                .events(self.seed, self.n_accounts)
                .iter()
                .filter(|e| e.valid())
            {
                cents += e.signed_usd_cents();
                rows += 1;
                latest = latest.max(Some(e.secs));
            }
            id.append_value(account_id(number));
            start.append_value(i128::from(a.starting_cents));
            balance.append_value(i128::from(cents));
            count.append_value(rows);
            last_ts.append_option(latest.map(|s| s * 1_000_000));
        }
        RecordBatch::try_new(
            balances_schema(),
            vec![
                Arc::new(id.finish()) as ArrayRef,
                Arc::new(start.finish()),
                Arc::new(balance.finish()),
                Arc::new(count.finish()),
                Arc::new(last_ts.finish()),
            ],
        )
    }
}

fn transaction_id(account: u64, seq: usize) -> String {
    format!("TX{account:08}{:05}", seq + 1)
}

fn decimal_builder(n: usize) -> Result<Decimal128Builder, ArrowError> {
    Decimal128Builder::with_capacity(n).with_precision_and_scale(18, 2)
}

fn rates_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("currency_code", DataType::Utf8, true),
        Field::new("usd_rate", DataType::Float64, true),
    ]))
}

fn accounts_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("account_id", DataType::Utf8, true),
        Field::new("customer_id", DataType::Utf8, true),
        Field::new("account_type", DataType::Utf8, true),
        Field::new("home_currency", DataType::Utf8, true),
        Field::new("home_location", DataType::Utf8, true),
        Field::new("starting_balance", DataType::Float64, true),
        Field::new("open_date", DataType::Date32, true),
    ]))
}

fn stats_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("account_id", DataType::Utf8, true),
        Field::new("merchant_category", DataType::Utf8, true),
        Field::new("avg_amount", DataType::Float64, true),
        Field::new("stddev_amount", DataType::Float64, true),
        Field::new("usual_location", DataType::Utf8, true),
        Field::new("avg_daily_transactions", DataType::Float64, true),
    ]))
}

fn transactions_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("transaction_id", DataType::Utf8, true),
        Field::new("account_id", DataType::Utf8, true),
        Field::new("transaction_type", DataType::Utf8, true),
        Field::new("amount", DataType::Float64, true),
        Field::new("currency", DataType::Utf8, true),
        Field::new("timestamp", utc_micros(), true),
        Field::new("merchant_id", DataType::Utf8, true),
        Field::new("merchant_category", DataType::Utf8, true),
        Field::new("location", DataType::Utf8, true),
        Field::new("device_id", DataType::Utf8, true),
    ]))
}

fn marks_schema(label: &str) -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("transaction_id", DataType::Utf8, true),
        Field::new("account_id", DataType::Utf8, true),
        Field::new(label, DataType::Utf8, true),
    ]))
}

fn balances_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("account_id", DataType::Utf8, true),
        Field::new("starting_balance", DataType::Decimal128(18, 2), true),
        Field::new("expected_balance", DataType::Decimal128(18, 2), true),
        Field::new("transaction_count", DataType::Int64, true),
        Field::new("last_transaction_time", utc_micros(), true),
    ]))
}

fn rates_batch() -> Result<RecordBatch, ArrowError> {
    let mut code = StringBuilder::new();
    let mut rate = Float64Builder::new();
    for (c, micros) in CURRENCIES {
        code.append_value(c);
        rate.append_value(micros as f64 / 1e6);
    }
    RecordBatch::try_new(
        rates_schema(),
        vec![Arc::new(code.finish()) as ArrayRef, Arc::new(rate.finish())],
    )
}

/// A batch iterator over chunks of accounts of about `rows_per_account × chunk` rows.
fn per_account<F>(ctx: &Arc<Finance>, rows_per_account: u64, batch: F) -> BatchIter
where
    F: Fn(&Finance, u64, u64) -> Result<RecordBatch, ArrowError> + Send + 'static,
{
    let ctx = Arc::clone(ctx);
    let per_chunk = (BATCH_ROWS as u64 / rows_per_account.max(1)).max(1);
    let chunks: Vec<(u64, u64)> = id_chunks(ctx.n_accounts, per_chunk).collect();
    Box::new(
        chunks
            .into_iter()
            .map(move |(first, last)| batch(&ctx, first, last)),
    )
}

/// Writes the group's tables under `root`; returns (name, rows) pairs.
pub(super) async fn write_finance(
    seed: u64,
    scale: u32,
    root: &Path,
    progress: &dyn Fn(&str),
) -> Result<Vec<(String, u64)>, GenerateError> {
    let ctx = Arc::new(Finance::new(seed, scale)?);
    let n = ctx.n_accounts;
    let mut written = Vec::new();

    let rows = write_delta(
        "exchange_rates",
        &root.join("exchange_rates"),
        rates_schema(),
        CURRENCIES.len() as u64,
        || -> BatchIter { Box::new(std::iter::once(rates_batch())) },
        progress,
    )
    .await?;
    written.push(("exchange_rates".to_string(), rows));

    // (table, schema, expected rows, rows per account for chunking, batch)
    type BatchFn = fn(&Finance, u64, u64) -> Result<RecordBatch, ArrowError>;
    let tables: [(&str, SchemaRef, u64, u64, BatchFn); 6] = [
        ("fin_accounts", accounts_schema(), n, 1, |c, a, b| {
            c.accounts_batch(a, b)
        }),
        (
            "fin_historical_stats",
            stats_schema(),
            n * 11,
            11,
            |c, a, b| c.stats_batch(a, b),
        ),
        (
            "fin_transactions",
            transactions_schema(),
            n * ROWS_PER_ACCOUNT,
            ROWS_PER_ACCOUNT,
            |c, a, b| c.transactions_batch(a, b),
        ),
        (
            "planted_fin_anomalies",
            marks_schema("kind"),
            n / 3,
            ROWS_PER_ACCOUNT,
            |c, a, b| c.marks_batch(a, b, false),
        ),
        (
            "planted_fin_bad_input",
            marks_schema("reason"),
            n / 12,
            ROWS_PER_ACCOUNT,
            |c, a, b| c.marks_batch(a, b, true),
        ),
        (
            "planted_fin_balances",
            balances_schema(),
            n,
            ROWS_PER_ACCOUNT,
            |c, a, b| c.balances_batch(a, b),
        ),
    ];
    for (name, schema, expected, per_account_rows, batch) in tables {
        let c = Arc::clone(&ctx);
        let rows = write_delta(
            name,
            &root.join(name),
            schema,
            expected,
            move || per_account(&c, per_account_rows, batch),
            progress,
        )
        .await?;
        written.push((name.to_string(), rows));
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn accounts(seed: u64, n: u64) -> Vec<(Account, Vec<Event>)> {
        let ctx = Finance::new(seed, 1).unwrap();
        (1..=n)
            .map(|i| {
                let a = ctx.account(i);
                let e = a.events(seed, ctx.n_accounts);
                (a, e)
            })
            .collect()
    }

    #[test]
    fn usd_cents_round_half_away_from_zero() {
        assert_eq!(usd_cents(100, 1_000_000), 100);
        assert_eq!(usd_cents(1, 500_000), 1); // 0.5 cent -> 1
        assert_eq!(usd_cents(1, 499_999), 0);
        assert_eq!(usd_cents(-1, 500_000), -1);
        assert_eq!(usd_cents(970_149, 6_700), 6_500); // ¥9701.49 -> $65.00
    }

    #[test]
    fn events_are_deterministic_and_sized() {
        let a = accounts(3, 300);
        let b = accounts(3, 300);
        assert_eq!(a, b);
        let rows: usize = a.iter().map(|(_, e)| e.len()).sum();
        let per_account = rows as f64 / 300.0;
        assert!((17.0..27.0).contains(&per_account), "{per_account}");
        for (acc, events) in &a {
            assert!(events.len() < 99_999, "seq fits 5 digits");
            assert!(acc.shops >= 4 && acc.cats.len() >= acc.shops + 4);
        }
    }

    /// Only the planted late rows break the arrival order, by the script's rule: a
    /// valid row earlier than a valid row of the account before it.
    #[test]
    fn only_late_rows_arrive_out_of_order() {
        let mut late = 0;
        for (_, events) in accounts(11, 3_000) {
            let mut max: Option<i64> = None;
            for e in events.iter().filter(|e| e.valid() && !e.ts_null) {
                let out_of_order = max.is_some_and(|m| e.secs < m);
                assert_eq!(out_of_order, e.mark == Mark::Late, "{e:?}");
                late += usize::from(out_of_order);
                max = max.max(Some(e.secs));
            }
        }
        assert!(late >= 30, "{late}");
    }

    /// Planted anomalies satisfy the intended rule against the written statistics.
    #[test]
    fn planted_anomalies_break_the_rule() {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for (acc, events) in accounts(5, 3_000) {
            for e in &events {
                let Mark::Anomaly(kind) = e.mark else {
                    continue;
                };
                *counts.entry(kind.name()).or_default() += 1;
                let m = acc.cat(e.category).unwrap();
                match kind {
                    Anomaly::Amount => {
                        let usd = e.signed_usd_cents().abs() as f64 / 100.0;
                        assert!((usd - m.mean) / m.sd > 5.9, "{e:?}");
                    }
                    Anomaly::Location => assert_ne!(e.city, acc.home),
                    Anomaly::Frequency => {
                        let day = (e.secs - START_SECS).div_euclid(DAY_SECS);
                        let same_day = events
                            .iter()
                            .filter(|o| {
                                o.valid()
                                    && o.category == e.category
                                    && (o.secs - START_SECS).div_euclid(DAY_SECS) == day
                            })
                            .count();
                        assert!(same_day as f64 > 2.0 * m.avg_daily(), "{e:?}");
                        assert!(m.avg_daily() < 1.2);
                    }
                }
            }
        }
        assert!(counts["amount"] > 150, "{counts:?}");
        assert!(counts["location"] > 150, "{counts:?}");
        assert!(counts["frequency"] > 200, "{counts:?}");
    }

    #[test]
    fn bad_rows_carry_exactly_one_defect() {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for (_, events) in accounts(9, 5_000) {
            for e in &events {
                let defects = [
                    e.ts_null,
                    e.amount.is_none(),
                    e.amount.is_some_and(|x| x.is_nan() || x <= 0.0),
                    e.account != AccountRef::Own,
                    e.currency.is_err(),
                    e.tx_type.is_err(),
                ];
                let n = defects.iter().filter(|d| **d).count();
                match e.mark {
                    Mark::Bad(b) => {
                        assert_eq!(n, 1, "{e:?}");
                        *counts.entry(b.name()).or_default() += 1;
                    }
                    _ => assert_eq!(n, 0, "{e:?}"),
                }
            }
        }
        assert_eq!(counts.len(), 6, "{counts:?}");
        assert!(counts.values().all(|&c| c >= 20), "{counts:?}");
    }
}

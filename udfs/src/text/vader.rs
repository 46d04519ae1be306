//! VADER sentiment (Hutto & Gilbert, ICWSM 2014): a port of vaderSentiment 3.3.2's
//! `SentimentIntensityAnalyzer.polarity_scores`, rule for rule, reproducing what 3.3.2
//! actually executes (its quirks included), so that scores match it to the last rounded
//! digit. The lexicons are 3.3.2's files (MIT, see data/VADER_LICENSE.txt), parsed
//! once.
//!
//! What 3.3.2 really does, where it differs from its comments or its README:
//! - tokens are the text split on Python whitespace (which includes U+001C..U+001F), with
//!   leading/trailing ASCII punctuation stripped unless fewer than 3 characters would be
//!   left; one-letter tokens are kept (and count as neutral words);
//! - emoji are replaced by their description (one code point at a time, so sequences with
//!   variation selectors or joiners become several descriptions or stay partly as is);
//! - `_but_check` rescales by the first index holding an *equal value*
//!   (`list.index(value)`) while rewriting the list it iterates, so with repeated
//!   values it can rescale an earlier word twice and a later one not at all;
//! - the special-case idioms ("the shit", "kiss of death", ...) and the "kind of" /
//!   "sort of" / "just enough" bigram dampeners are only looked at for a lexicon word
//!   with at least three words before it, the third of which is not in the lexicon (so
//!   "the bomb" opening a text keeps "bomb"'s negative valence); a matching idiom
//!   replaces the valence computed so far;
//! - the idioms without lexicon words ("cut the mustard", "hand to mouth", ...) and the
//!   "least" rule inside `negated` are dead code, and "kind of" gets a second dampening
//!   only through that bigram check;
//! - the three-word negation check multiplies by 1.25 whenever the word just before is
//!   "so" or "this" (operator precedence), not only after "never";
//! - `round` is Python's: the double nearest to the decimal rounded half-even from the
//!   exact binary value.

use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;
use std::sync::LazyLock;

const VADER_LEXICON: &str = include_str!("data/vader_lexicon.txt");
const EMOJI_LEXICON: &str = include_str!("data/emoji_utf8_lexicon.txt");

/// Booster word increment (empirically derived mean intensity increase).
const B_INCR: f64 = 0.293;
const B_DECR: f64 = -0.293;
/// ALL-CAPS emphasis increment.
const C_INCR: f64 = 0.733;
/// Negation multiplier.
const N_SCALAR: f64 = -0.74;

const NEGATE: [&str; 59] = [
    "aint",
    "arent",
    "cannot",
    "cant",
    "couldnt",
    "darent",
    "didnt",
    "doesnt",
    "ain't",
    "aren't",
    "can't",
    "couldn't",
    "daren't",
    "didn't",
    "doesn't",
    "dont",
    "hadnt",
    "hasnt",
    "havent",
    "isnt",
    "mightnt",
    "mustnt",
    "neither",
    "don't",
    "hadn't",
    "hasn't",
    "haven't",
    "isn't",
    "mightn't",
    "mustn't",
    "neednt",
    "needn't",
    "never",
    "none",
    "nope",
    "nor",
    "not",
    "nothing",
    "nowhere",
    "oughtnt",
    "shant",
    "shouldnt",
    "uhuh",
    "wasnt",
    "werent",
    "oughtn't",
    "shan't",
    "shouldn't",
    "uh-uh",
    "wasn't",
    "weren't",
    "without",
    "wont",
    "wouldnt",
    "won't",
    "wouldn't",
    "rarely",
    "seldom",
    "despite",
];

/// Single-word boosters (positive) and dampeners (negative) of `BOOSTER_DICT`.
const BOOSTERS: [(&str, f64); 81] = [
    ("absolutely", B_INCR),
    ("amazingly", B_INCR),
    ("awfully", B_INCR),
    ("completely", B_INCR),
    ("considerable", B_INCR),
    ("considerably", B_INCR),
    ("decidedly", B_INCR),
    ("deeply", B_INCR),
    ("effing", B_INCR),
    ("enormous", B_INCR),
    ("enormously", B_INCR),
    ("entirely", B_INCR),
    ("especially", B_INCR),
    ("exceptional", B_INCR),
    ("exceptionally", B_INCR),
    ("extreme", B_INCR),
    ("extremely", B_INCR),
    ("fabulously", B_INCR),
    ("flipping", B_INCR),
    ("flippin", B_INCR),
    ("frackin", B_INCR),
    ("fracking", B_INCR),
    ("fricking", B_INCR),
    ("frickin", B_INCR),
    ("frigging", B_INCR),
    ("friggin", B_INCR),
    ("fully", B_INCR),
    ("fuckin", B_INCR),
    ("fucking", B_INCR),
    ("fuggin", B_INCR),
    ("fugging", B_INCR),
    ("greatly", B_INCR),
    ("hella", B_INCR),
    ("highly", B_INCR),
    ("hugely", B_INCR),
    ("incredible", B_INCR),
    ("incredibly", B_INCR),
    ("intensely", B_INCR),
    ("major", B_INCR),
    ("majorly", B_INCR),
    ("more", B_INCR),
    ("most", B_INCR),
    ("particularly", B_INCR),
    ("purely", B_INCR),
    ("quite", B_INCR),
    ("really", B_INCR),
    ("remarkably", B_INCR),
    ("so", B_INCR),
    ("substantially", B_INCR),
    ("thoroughly", B_INCR),
    ("total", B_INCR),
    ("totally", B_INCR),
    ("tremendous", B_INCR),
    ("tremendously", B_INCR),
    ("uber", B_INCR),
    ("unbelievably", B_INCR),
    ("unusually", B_INCR),
    ("utter", B_INCR),
    ("utterly", B_INCR),
    ("very", B_INCR),
    ("almost", B_DECR),
    ("barely", B_DECR),
    ("hardly", B_DECR),
    ("kinda", B_DECR),
    ("kindof", B_DECR),
    ("kind-of", B_DECR),
    ("less", B_DECR),
    ("little", B_DECR),
    ("marginal", B_DECR),
    ("marginally", B_DECR),
    ("occasional", B_DECR),
    ("occasionally", B_DECR),
    ("partly", B_DECR),
    ("scarce", B_DECR),
    ("scarcely", B_DECR),
    ("slight", B_DECR),
    ("slightly", B_DECR),
    ("somewhat", B_DECR),
    ("sorta", B_DECR),
    ("sortof", B_DECR),
    ("sort-of", B_DECR),
];

/// Two-word keys of `BOOSTER_DICT`: a token never holds a space, so these only match
/// the joined bigrams of `_special_idioms_check`.
const BOOSTER_BIGRAMS: [([&str; 2], f64); 3] = [
    (["just", "enough"], B_DECR),
    (["kind", "of"], B_DECR),
    (["sort", "of"], B_DECR),
];

/// `SPECIAL_CASES` with two or three words ("badass", one word, can never equal a joined
/// sequence of tokens).
const SPECIAL_BIGRAMS: [([&str; 2], f64); 6] = [
    (["the", "shit"], 3.0),
    (["the", "bomb"], 3.0),
    (["bad", "ass"], 1.5),
    (["bus", "stop"], 0.0),
    (["yeah", "right"], -2.0),
    (["beating", "heart"], 3.5),
];
const SPECIAL_TRIGRAMS: [([&str; 3], f64); 2] =
    [(["kiss", "of", "death"], -1.5), (["to", "die", "for"], 3.0)];

/// FxHash-style hasher: the lexicon is fixed, so no need for SipHash's DoS resistance.
#[derive(Default, Clone, Copy)]
struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        // The multiplications only carry entropy upwards; fold it into the low bits,
        // which pick the bucket.
        self.0 ^ (self.0 >> 29)
    }

    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            // The length tells "ab" from "ab\0".
            let word = u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59);
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.write(&[i]);
    }

    fn write_u32(&mut self, i: u32) {
        self.write(&i.to_le_bytes());
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// What the rules need to know about a lower-cased word (16 bytes, so that the table
/// stays small in cache).
#[derive(Debug, Clone, Copy)]
struct WordInfo {
    /// `vader_lexicon.txt` valence, NaN when not in the lexicon.
    lexicon_valence: f64,
    /// `BOOSTER_DICT` (single words): 1 for `B_INCR`, -1 for `B_DECR`, 0 when absent.
    booster_sign: i8,
    /// In `NEGATE`.
    negation: bool,
    /// The word is one the rules compare tokens with (`TAG_*` bits), so that they test
    /// a bit instead of comparing strings.
    tags: u16,
}

impl Default for WordInfo {
    fn default() -> Self {
        Self {
            lexicon_valence: f64::NAN,
            booster_sign: 0,
            negation: false,
            tags: 0,
        }
    }
}

impl WordInfo {
    #[inline]
    fn valence(&self) -> Option<f64> {
        (!self.lexicon_valence.is_nan()).then_some(self.lexicon_valence)
    }

    #[inline]
    fn in_lexicon(&self) -> bool {
        !self.lexicon_valence.is_nan()
    }

    #[inline]
    fn booster(&self) -> Option<f64> {
        match self.booster_sign {
            1 => Some(B_INCR),
            -1 => Some(B_DECR),
            _ => None,
        }
    }
}

const TAG_NO: u16 = 1;
const TAG_KIND: u16 = 1 << 1;
const TAG_OF: u16 = 1 << 2;
const TAG_OR_NOR: u16 = 1 << 3;
const TAG_NEVER: u16 = 1 << 4;
const TAG_SO_THIS: u16 = 1 << 5;
const TAG_WITHOUT: u16 = 1 << 6;
const TAG_DOUBT: u16 = 1 << 7;
const TAG_LEAST: u16 = 1 << 8;
const TAG_AT_VERY: u16 = 1 << 9;
const TAG_BUT: u16 = 1 << 10;
/// A word of a special-case idiom or of a two-word booster key.
const TAG_IDIOM: u16 = 1 << 11;

const TAGGED_WORDS: [(&str, u16); 14] = [
    ("no", TAG_NO),
    ("kind", TAG_KIND),
    ("of", TAG_OF),
    ("or", TAG_OR_NOR),
    ("nor", TAG_OR_NOR),
    ("never", TAG_NEVER),
    ("so", TAG_SO_THIS),
    ("this", TAG_SO_THIS),
    ("without", TAG_WITHOUT),
    ("doubt", TAG_DOUBT),
    ("least", TAG_LEAST),
    ("at", TAG_AT_VERY),
    ("very", TAG_AT_VERY),
    ("but", TAG_BUT),
];

struct Lexicon {
    words: FastMap<&'static str, WordInfo>,
    /// Single-code-point keys of `emoji_utf8_lexicon.txt` (3.3.2 looks emoji up one
    /// character at a time, so longer keys never match).
    emojis: FastMap<char, &'static str>,
}

/// Python's `str.strip()` (whitespace).
fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

fn build_lexicon() -> Lexicon {
    let mut words: FastMap<&'static str, WordInfo> = FastMap::default();
    // make_lex_dict: later duplicates win.
    for line in VADER_LEXICON.trim_end_matches('\n').split('\n') {
        if line.is_empty() {
            continue;
        }
        let mut fields = py_strip(line).split('\t');
        let (Some(word), Some(measure)) = (fields.next(), fields.next()) else {
            continue;
        };
        if let Ok(value) = measure.parse::<f64>() {
            if !value.is_nan() {
                words.entry(word).or_default().lexicon_valence = value;
            }
        }
    }
    for (word, value) in BOOSTERS.iter() {
        words.entry(word).or_default().booster_sign = if *value > 0.0 { 1 } else { -1 };
    }
    for word in NEGATE {
        words.entry(word).or_default().negation = true;
    }
    for (word, tag) in TAGGED_WORDS {
        words.entry(word).or_default().tags |= tag;
    }
    let idiom_words = SPECIAL_BIGRAMS
        .iter()
        .flat_map(|(w, _)| w.iter())
        .chain(SPECIAL_TRIGRAMS.iter().flat_map(|(w, _)| w.iter()))
        .chain(BOOSTER_BIGRAMS.iter().flat_map(|(w, _)| w.iter()));
    for word in idiom_words {
        words.entry(word).or_default().tags |= TAG_IDIOM;
    }
    let mut emojis: FastMap<char, &'static str> = FastMap::default();
    for line in EMOJI_LEXICON.trim_end_matches('\n').split('\n') {
        let mut fields = py_strip(line).split('\t');
        let (Some(emoji), Some(description)) = (fields.next(), fields.next()) else {
            continue;
        };
        let mut chars = emoji.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            emojis.insert(c, description);
        }
    }
    Lexicon { words, emojis }
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(build_lexicon);

/// VADER's scores of a text, rounded as vaderSentiment rounds them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Scores {
    /// Normalised sum of valences in [-1, 1], 4 decimals.
    pub compound: f64,
    /// Share of positive sentiment, 3 decimals.
    pub positive: f64,
    /// Share of neutral words, 3 decimals.
    pub neutral: f64,
    /// Share of negative sentiment, 3 decimals.
    pub negative: f64,
}

/// Python's `str.isspace()` for one character: Unicode whitespace plus the ASCII
/// information separators U+001C..U+001F.
#[inline]
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Unicode titlecase letters (category Lt), which make Python's `isupper()` false.
fn is_titlecase(c: char) -> bool {
    matches!(c,
        '\u{01C5}' | '\u{01C8}' | '\u{01CB}' | '\u{01F2}'
        | '\u{1F88}'..='\u{1F8F}' | '\u{1F98}'..='\u{1F9F}' | '\u{1FA8}'..='\u{1FAF}'
        | '\u{1FBC}' | '\u{1FCC}' | '\u{1FFC}')
}

/// Python's `str.isupper()`: at least one cased character and no lower-case or
/// title-case one.
fn py_isupper(s: &str) -> bool {
    if s.is_ascii() {
        let bytes = s.as_bytes();
        return bytes.iter().any(u8::is_ascii_uppercase)
            && !bytes.iter().any(u8::is_ascii_lowercase);
    }
    let mut cased = false;
    for c in s.chars() {
        if c.is_lowercase() || is_titlecase(c) {
            return false;
        }
        if c.is_uppercase() {
            cased = true;
        }
    }
    cased
}

/// `SentiText._strip_punc_if_word`: strips leading and trailing ASCII punctuation
/// unless at most two characters would be left (emoticons like ":)" stay whole).
fn strip_punc_if_word(token: &str) -> &str {
    // ASCII bytes never occur inside a multi-byte UTF-8 sequence, so trimming bytes
    // keeps character boundaries.
    let bytes = token.as_bytes();
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_punctuation())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_punctuation())
        .map_or(start, |p| p + 1);
    let stripped = token.get(start..end).unwrap_or("");
    // At most two characters left? (More than 8 bytes, or 3+ ASCII bytes, is 3+ chars.)
    let short = stripped.len() <= 2
        || (stripped.len() <= 8 && !stripped.is_ascii() && stripped.chars().count() <= 2);
    if short {
        token
    } else {
        stripped
    }
}

/// Python's `round(x, digits)` for |x| <= 2^53 / 10^digits: the decimal nearest to the
/// exact binary value of `x`, ties to even, then the double nearest to that decimal.
pub fn py_round(x: f64, digits: u32) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let bits = x.abs().to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i64;
    let fraction = bits & ((1u64 << 52) - 1);
    // |x| = mantissa * 2^power exactly.
    let (mantissa, power) = if exponent == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u64 << 52), exponent - 1075)
    };
    if power >= 0 {
        // An integer: nothing to round.
        return x;
    }
    let scale = 10u128.pow(digits);
    let scaled = u128::from(mantissa) * scale;
    let shift = (-power) as u32;
    let rounded: u128 = if shift >= 127 {
        // scaled < 2^(53 + 4 * digits) is far below half of 2^shift for the digits used.
        0
    } else {
        let quotient = scaled >> shift;
        let remainder = scaled - (quotient << shift);
        let half = 1u128 << (shift - 1);
        match remainder.cmp(&half) {
            std::cmp::Ordering::Greater => quotient + 1,
            std::cmp::Ordering::Equal => quotient + (quotient & 1),
            std::cmp::Ordering::Less => quotient,
        }
    };
    // Both operands are exact doubles, so the quotient is the double nearest to
    // rounded / 10^digits (what Python gets by parsing the rounded decimal string).
    let value = match u64::try_from(rounded) {
        Ok(small) => small as f64,
        Err(_) => rounded as f64,
    } / scale as f64;
    if x < 0.0 {
        -value
    } else {
        value
    }
}

/// One token of the text, with what the rules look at.
#[derive(Debug, Clone)]
struct Token {
    /// The lower-cased token, in `Scratch::lower`.
    lower: Range<usize>,
    info: WordInfo,
    /// `negated([word])`: a negation word or containing "n't".
    negated: bool,
    is_upper: bool,
}

impl Token {
    /// The lower-cased token is the tagged word (`TAG_*`).
    #[inline]
    fn is(&self, tag: u16) -> bool {
        self.info.tags & tag != 0
    }
}

/// Reusable buffers of [`polarity_scores_with`], so scoring many texts allocates once.
#[derive(Debug, Default)]
pub struct Scratch {
    /// The text with emoji replaced by their descriptions.
    text: String,
    /// Lower-cased tokens, back to back.
    lower: String,
    tokens: Vec<Token>,
    sentiments: Vec<f64>,
}

impl Scratch {
    pub fn new() -> Self {
        Self::default()
    }
}

/// VADER scores of `text`, as vaderSentiment 3.3.2's
/// `SentimentIntensityAnalyzer().polarity_scores(text)`.
pub fn polarity_scores(text: &str) -> Scores {
    thread_local! {
        static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::new());
    }
    SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut scratch) => polarity_scores_with(&mut scratch, text),
        Err(_) => polarity_scores_with(&mut Scratch::new(), text),
    })
}

/// [`polarity_scores`] with caller-owned buffers.
pub fn polarity_scores_with(scratch: &mut Scratch, text: &str) -> Scores {
    let lexicon = &*LEXICON;
    let Scratch {
        text: substituted,
        lower,
        tokens,
        sentiments,
    } = scratch;

    // Emoji to descriptions, one code point at a time: a description gets a space
    // before it unless it follows a space (or starts the text), none after it. Every
    // emoji key is non-ASCII, so ASCII text is left as is and ASCII runs are copied whole.
    let text: &str = if text.is_ascii() {
        text
    } else {
        substituted.clear();
        let mut prev_space = true;
        let mut run_start = 0;
        for (at, c) in text.char_indices() {
            if c.is_ascii() {
                continue;
            }
            let Some(description) = lexicon.emojis.get(&c) else {
                continue;
            };
            let run = text.get(run_start..at).unwrap_or("");
            if !run.is_empty() {
                substituted.push_str(run);
                prev_space = run.ends_with(' ');
            }
            if !prev_space {
                substituted.push(' ');
            }
            substituted.push_str(description);
            prev_space = false;
            run_start = at + c.len_utf8();
        }
        substituted.push_str(text.get(run_start..).unwrap_or(""));
        substituted.as_str()
    };

    tokenize(lexicon, text, lower, tokens);
    let (lower, tokens): (&str, &[Token]) = (lower, tokens);
    let n = tokens.len();
    if n == 0 {
        return Scores::default();
    }
    let upper_count = tokens.iter().filter(|t| t.is_upper).count();
    let is_cap_diff = upper_count > 0 && upper_count < n;
    let word = move |j: usize| lower.get(tokens[j].lower.clone()).unwrap_or("");

    sentiments.clear();
    for i in 0..n {
        let item = &tokens[i];
        if item.info.booster_sign != 0 {
            sentiments.push(0.0);
            continue;
        }
        if i + 1 < n && item.is(TAG_KIND) && tokens[i + 1].is(TAG_OF) {
            sentiments.push(0.0);
            continue;
        }
        let valence = match item.info.valence() {
            Some(lexicon_valence) => {
                sentiment_valence(tokens, &word, lexicon_valence, i, is_cap_diff)
            }
            None => 0.0,
        };
        sentiments.push(valence);
    }

    if let Some(but_index) = tokens.iter().position(|t| t.is(TAG_BUT)) {
        but_check(sentiments, but_index);
    }
    score_valence(sentiments, text)
}

/// Splits on Python whitespace, strips punctuation and fills the token table.
fn tokenize(lexicon: &Lexicon, text: &str, lower: &mut String, tokens: &mut Vec<Token>) {
    lower.clear();
    tokens.clear();
    let mut add = |raw: &str| {
        let token = strip_punc_if_word(raw);
        let start = lower.len();
        let ascii = token.is_ascii();
        if ascii {
            lower.push_str(token);
            if let Some(added) = lower.get_mut(start..) {
                added.make_ascii_lowercase();
            }
        } else {
            lower.push_str(&token.to_lowercase());
        }
        let lowered = lower.get(start..).unwrap_or("");
        let info = lexicon.words.get(lowered).copied().unwrap_or_default();
        tokens.push(Token {
            lower: start..lower.len(),
            info,
            negated: info.negation || (lowered.len() >= 3 && lowered.contains("n't")),
            is_upper: py_isupper(token),
        });
    };
    if text.is_ascii() {
        // Python's ASCII whitespace: \t \n \v \f \r, U+001C..U+001F and space.
        let is_space = |b: u8| matches!(b, b'\t'..=b'\r' | 0x1c..=b' ');
        let bytes = text.as_bytes();
        let mut start = 0;
        while start < bytes.len() {
            while start < bytes.len() && is_space(bytes[start]) {
                start += 1;
            }
            let mut end = start;
            while end < bytes.len() && !is_space(bytes[end]) {
                end += 1;
            }
            if end > start {
                add(text.get(start..end).unwrap_or(""));
            }
            start = end;
        }
    } else {
        for raw in text.split(is_py_space) {
            if !raw.is_empty() {
                add(raw);
            }
        }
    }
}

/// `SentimentIntensityAnalyzer.sentiment_valence` for a lexicon word at `i`.
fn sentiment_valence<'a>(
    tokens: &[Token],
    word: &impl Fn(usize) -> &'a str,
    lexicon_valence: f64,
    i: usize,
    is_cap_diff: bool,
) -> f64 {
    let n = tokens.len();
    let mut valence = lexicon_valence;
    // "no" before a lexicon word negates it instead of counting itself.
    if tokens[i].is(TAG_NO) && i != n - 1 && tokens[i + 1].info.in_lexicon() {
        valence = 0.0;
    }
    if (i > 0 && tokens[i - 1].is(TAG_NO))
        || (i > 1 && tokens[i - 2].is(TAG_NO))
        || (i > 2 && tokens[i - 3].is(TAG_NO) && tokens[i - 1].is(TAG_OR_NOR))
    {
        valence = lexicon_valence * N_SCALAR;
    }
    if tokens[i].is_upper && is_cap_diff {
        if valence > 0.0 {
            valence += C_INCR;
        } else {
            valence -= C_INCR;
        }
    }
    for start_i in 0..3 {
        if i > start_i && !tokens[i - (start_i + 1)].info.in_lexicon() {
            let mut s = scalar_inc_dec(&tokens[i - (start_i + 1)], valence, is_cap_diff);
            if start_i == 1 && s != 0.0 {
                s *= 0.95;
            }
            if start_i == 2 && s != 0.0 {
                s *= 0.9;
            }
            valence += s;
            valence = negation_check(tokens, valence, start_i, i);
            if start_i == 2 {
                valence = special_idioms_check(tokens, word, valence, i);
            }
        }
    }
    least_check(tokens, valence, i)
}

/// `scalar_inc_dec`: the booster/dampener effect of a preceding word.
fn scalar_inc_dec(token: &Token, valence: f64, is_cap_diff: bool) -> f64 {
    let Some(booster) = token.info.booster() else {
        return 0.0;
    };
    let mut scalar = booster;
    if valence < 0.0 {
        scalar = -scalar;
    }
    if token.is_upper && is_cap_diff {
        if valence > 0.0 {
            scalar += C_INCR;
        } else {
            scalar -= C_INCR;
        }
    }
    scalar
}

/// `_negation_check`, including its operator-precedence reading at distance 3.
fn negation_check(tokens: &[Token], valence: f64, start_i: usize, i: usize) -> f64 {
    let is = |j: usize, tag: u16| tokens[j].is(tag);
    match start_i {
        0 if tokens[i - 1].negated => valence * N_SCALAR,
        1 => {
            if is(i - 2, TAG_NEVER) && is(i - 1, TAG_SO_THIS) {
                valence * 1.25
            } else if is(i - 2, TAG_WITHOUT) && is(i - 1, TAG_DOUBT) {
                valence
            } else if tokens[i - 2].negated {
                valence * N_SCALAR
            } else {
                valence
            }
        }
        2 => {
            // `a and (b or c) or (d or e)`: "so"/"this" just before the word is enough.
            if (is(i - 3, TAG_NEVER) && is(i - 2, TAG_SO_THIS)) || is(i - 1, TAG_SO_THIS) {
                valence * 1.25
            } else if is(i - 3, TAG_WITHOUT) && (is(i - 2, TAG_DOUBT) || is(i - 1, TAG_DOUBT)) {
                valence
            } else if tokens[i - 3].negated {
                valence * N_SCALAR
            } else {
                valence
            }
        }
        _ => valence,
    }
}

fn special_bigram(a: &str, b: &str) -> Option<f64> {
    SPECIAL_BIGRAMS
        .iter()
        .find(|([x, y], _)| *x == a && *y == b)
        .map(|(_, v)| *v)
}

fn special_trigram(a: &str, b: &str, c: &str) -> Option<f64> {
    SPECIAL_TRIGRAMS
        .iter()
        .find(|([x, y, z], _)| *x == a && *y == b && *z == c)
        .map(|(_, v)| *v)
}

/// `_special_idioms_check` (called with i >= 3 only).
fn special_idioms_check<'a>(
    tokens: &[Token],
    word: &impl Fn(usize) -> &'a str,
    mut valence: f64,
    i: usize,
) -> f64 {
    let n = tokens.len();
    // Every key is made of idiom words: none around, nothing to look up.
    let last = (i + 2).min(n - 1);
    if !tokens[i - 3..=last].iter().any(|t| t.is(TAG_IDIOM)) {
        return valence;
    }
    let (w3, w2, w1, w0) = (word(i - 3), word(i - 2), word(i - 1), word(i));
    // onezero, twoonezero, twoone, threetwoone, threetwo: the first match wins.
    let found = special_bigram(w1, w0)
        .or_else(|| special_trigram(w2, w1, w0))
        .or_else(|| special_bigram(w2, w1))
        .or_else(|| special_trigram(w3, w2, w1))
        .or_else(|| special_bigram(w3, w2));
    if let Some(v) = found {
        valence = v;
    }
    if n - 1 > i {
        if let Some(v) = special_bigram(w0, word(i + 1)) {
            valence = v;
        }
    }
    if n - 1 > i + 1 {
        if let Some(v) = special_trigram(w0, word(i + 1), word(i + 2)) {
            valence = v;
        }
    }
    // threetwoone (three words) never equals a two-word booster key.
    for (a, b) in [(w3, w2), (w2, w1)] {
        if let Some((_, v)) = BOOSTER_BIGRAMS
            .iter()
            .find(|([x, y], _)| *x == a && *y == b)
        {
            valence += v;
        }
    }
    valence
}

/// `_least_check`: "least" before a word negates it, except "at least" / "very least".
fn least_check(tokens: &[Token], valence: f64, i: usize) -> f64 {
    if i > 1 && !tokens[i - 1].info.in_lexicon() && tokens[i - 1].is(TAG_LEAST) {
        if !tokens[i - 2].is(TAG_AT_VERY) {
            return valence * N_SCALAR;
        }
    } else if i > 0 && !tokens[i - 1].info.in_lexicon() && tokens[i - 1].is(TAG_LEAST) {
        return valence * N_SCALAR;
    }
    valence
}

/// Above this many words `_but_check` is simulated with an index of value positions
/// instead of Python's linear `list.index` scans (same result, O(n log n)).
const BUT_CHECK_LINEAR_LIMIT: usize = 256;

/// `_but_check` exactly as 3.3.2 runs it:
///
/// ```python
/// for sentiment in sentiments:
///     si = sentiments.index(sentiment)
///     if si < bi: sentiments[si] = sentiment * 0.5   # (pop + insert)
///     elif si > bi: sentiments[si] = sentiment * 1.5
/// ```
///
/// The loop visits positions in order, reading the current (possibly already rescaled)
/// value, and rescales the *first* position holding an equal value.
fn but_check(sentiments: &mut [f64], but_index: usize) {
    let scaled = |si: usize, v: f64| {
        if si < but_index {
            v * 0.5
        } else if si > but_index {
            v * 1.5
        } else {
            v
        }
    };
    let n = sentiments.len();
    if n <= BUT_CHECK_LINEAR_LIMIT {
        for k in 0..n {
            let v = sentiments[k];
            let si = sentiments[..k].iter().position(|x| *x == v).unwrap_or(k);
            sentiments[si] = scaled(si, v);
        }
        return;
    }
    // Positions < k by value; Python's == makes 0.0 and -0.0 equal.
    let key = |v: f64| if v == 0.0 { 0 } else { v.to_bits() };
    let mut positions: FastMap<u64, BTreeSet<usize>> = FastMap::default();
    for k in 0..n {
        let v = sentiments[k];
        let first = positions.get(&key(v)).and_then(|set| set.first().copied());
        match first {
            Some(si) => {
                let w = scaled(si, v);
                sentiments[si] = w;
                if let Some(set) = positions.get_mut(&key(v)) {
                    set.remove(&si);
                }
                positions.entry(key(w)).or_default().insert(si);
                positions.entry(key(v)).or_default().insert(k);
            }
            None => {
                let w = scaled(k, v);
                sentiments[k] = w;
                positions.entry(key(w)).or_default().insert(k);
            }
        }
    }
}

/// `_punctuation_emphasis`: up to 4 "!" add 0.292 each; 2 or 3 "?" add 0.18 each, more
/// add 0.96.
fn punctuation_emphasis(text: &str) -> f64 {
    let bytes = text.as_bytes();
    let exclamations = bytes.iter().filter(|&&b| b == b'!').count();
    let questions = bytes.iter().filter(|&&b| b == b'?').count();
    let ep = exclamations.min(4) as f64 * 0.292;
    let qm = if questions > 1 {
        if questions <= 3 {
            questions as f64 * 0.18
        } else {
            0.96
        }
    } else {
        0.0
    };
    ep + qm
}

/// `normalize(score, alpha=15)`.
fn normalize(score: f64) -> f64 {
    let norm = score / (score * score + 15.0).sqrt();
    norm.clamp(-1.0, 1.0)
}

/// `score_valence` (for a non-empty list of sentiments).
fn score_valence(sentiments: &[f64], text: &str) -> Scores {
    // Python 3.11's sum(): plain left-to-right double additions.
    let mut sum_s = sentiments.iter().fold(0.0f64, |acc, s| acc + s);
    let amplifier = punctuation_emphasis(text);
    if sum_s > 0.0 {
        sum_s += amplifier;
    } else if sum_s < 0.0 {
        sum_s -= amplifier;
    }
    let compound = normalize(sum_s);

    let (mut pos_sum, mut neg_sum, mut neu_count) = (0.0f64, 0.0f64, 0usize);
    for &s in sentiments {
        if s > 0.0 {
            pos_sum += s + 1.0;
        }
        if s < 0.0 {
            neg_sum += s - 1.0;
        }
        if s == 0.0 {
            neu_count += 1;
        }
    }
    if pos_sum > neg_sum.abs() {
        pos_sum += amplifier;
    } else if pos_sum < neg_sum.abs() {
        neg_sum -= amplifier;
    }
    let total = pos_sum + neg_sum.abs() + neu_count as f64;
    Scores {
        compound: py_round(compound, 4),
        positive: py_round((pos_sum / total).abs(), 3),
        neutral: py_round((neu_count as f64 / total).abs(), 3),
        negative: py_round((neg_sum / total).abs(), 3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(text: &str) -> (f64, f64, f64, f64) {
        let s = polarity_scores(text);
        (s.compound, s.positive, s.neutral, s.negative)
    }

    #[test]
    fn lexicon_loads() {
        let lexicon = &*LEXICON;
        assert_eq!(
            lexicon.words.values().filter(|w| w.in_lexicon()).count(),
            7506
        );
        assert_eq!(lexicon.emojis.len(), 1212);
        assert_eq!(lexicon.words["good"].valence(), Some(1.9));
        assert_eq!(lexicon.words["very"].booster(), Some(B_INCR));
        assert_eq!(lexicon.words["sort-of"].booster(), Some(B_DECR));
        assert_eq!(std::mem::size_of::<WordInfo>(), 16);
        assert_eq!(BOOSTERS.len() + BOOSTER_BIGRAMS.len(), 84);
    }

    /// Values printed by vaderSentiment 3.3.2.
    #[test]
    fn reference_sentences() {
        assert_eq!(
            scores("VADER is smart, handsome, and funny."),
            (0.8316, 0.746, 0.254, 0.0)
        );
        assert_eq!(
            scores("VADER is not smart, handsome, nor funny."),
            (-0.7424, 0.0, 0.354, 0.646)
        );
        assert_eq!(
            scores("At least it isn't a horrible book."),
            (0.431, 0.322, 0.678, 0.0)
        );
        assert_eq!(
            scores("Today only kinda sux! But I'll get by, lol"),
            (0.5249, 0.317, 0.556, 0.127)
        );
        // One-letter words are kept in 3.3.2.
        assert_eq!(scores("a good"), (0.4404, 0.744, 0.256, 0.0));
        assert_eq!(scores("good"), (0.4404, 1.0, 0.0, 0.0));
    }

    #[test]
    fn empty_and_blank() {
        assert_eq!(scores(""), (0.0, 0.0, 0.0, 0.0));
        assert_eq!(scores(" \t\n\u{a0}\u{1c}"), (0.0, 0.0, 0.0, 0.0));
    }

    #[test]
    fn python_round() {
        // round(x, 3) in Python 3.11.
        for (x, r3, r4) in [
            (0.0625, 0.062, 0.0625),
            (0.1875, 0.188, 0.1875),
            (0.3125, 0.312, 0.3125),
            (0.6875, 0.688, 0.6875),
            (0.0005, 0.001, 0.0005),
            (0.0015, 0.002, 0.0015),
            (0.00015, 0.0, 0.0001),
            (1.0, 1.0, 1.0),
            (-0.0625, -0.062, -0.0625),
            (1e-300, 0.0, 0.0),
        ] {
            assert_eq!(py_round(x, 3), r3, "round({x}, 3)");
            assert_eq!(py_round(x, 4), r4, "round({x}, 4)");
        }
    }

    #[test]
    fn but_check_paths_agree() {
        // Pseudo-random lists with many repeated values, both simulations.
        let mut state = 12345u64;
        let values = [0.0, -0.0, 1.9, -2.5, 0.95, 2.85, 1.5, -1.25, 3.0, 0.75];
        for len in [300, 500, 1000] {
            let mut list: Vec<f64> = (0..len)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    values[(state >> 33) as usize % values.len()]
                })
                .collect();
            let mut linear = list.clone();
            let bi = len / 3;
            // The linear path, forced.
            for k in 0..linear.len() {
                let v = linear[k];
                let si = linear[..k].iter().position(|x| *x == v).unwrap_or(k);
                linear[si] = if si < bi {
                    v * 0.5
                } else if si > bi {
                    v * 1.5
                } else {
                    v
                };
            }
            but_check(&mut list, bi);
            assert_eq!(list, linear);
        }
    }

    #[test]
    fn but_check_reuses_first_equal_value() {
        // [2, 1, but, x]: 2 -> 1 at position 0, then the value 1 at position 1 finds
        // position 0 first (Python's list.index) and halves it again.
        let mut list = vec![2.0, 1.0, 0.0, 4.0];
        but_check(&mut list, 2);
        assert_eq!(list, vec![0.5, 1.0, 0.0, 6.0]);
    }

    #[test]
    fn emoji_and_odd_tokens() {
        assert_eq!(scores("😀"), scores("grinning face"));
        assert_eq!(scores("good😀"), scores("good grinning face"));
        // Punctuation-only tokens and stray symbols never panic.
        for text in [
            "!!!", "???", "'", "\"\"", "((((", ":-) :-(", "n't", "..!?..", "ǅ",
        ] {
            let s = polarity_scores(text);
            assert!((-1.0..=1.0).contains(&s.compound), "{text}");
        }
    }

    #[test]
    fn megabyte_text() {
        let text = "This is not bad but it's kind of GREAT!!! 😀 no way, the bomb ".repeat(16_500);
        assert!(text.len() > 1_000_000);
        let s = polarity_scores(&text);
        assert!((-1.0..=1.0).contains(&s.compound));
        assert!((s.positive + s.neutral + s.negative - 1.0).abs() < 0.01);
    }
}

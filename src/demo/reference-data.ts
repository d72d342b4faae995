/**
 * The fixed world of the demo (queries/00-streams.cql): cities with their coordinates, the
 * merchants cards are used at with their merchant category codes, and the instruments traded
 * with their price, liquidity and spread. Nothing here is random: the generator draws from it.
 */

export interface City {
  readonly name: string;
  /** ISO 3166 alpha-2. */
  readonly country: string;
  readonly lat: number;
  readonly lon: number;
}

/** Where the bank's card holders live: the bank is British, most of its customers too. */
export const HOME_CITIES: readonly City[] = [
  { name: 'London', country: 'GB', lat: 51.5074, lon: -0.1278 },
  { name: 'Manchester', country: 'GB', lat: 53.4808, lon: -2.2426 },
  { name: 'Birmingham', country: 'GB', lat: 52.4862, lon: -1.8904 },
  { name: 'Leeds', country: 'GB', lat: 53.8008, lon: -1.5491 },
  { name: 'Glasgow', country: 'GB', lat: 55.8642, lon: -4.2518 },
  { name: 'Edinburgh', country: 'GB', lat: 55.9533, lon: -3.1883 },
  { name: 'Bristol', country: 'GB', lat: 51.4545, lon: -2.5879 },
  { name: 'Liverpool', country: 'GB', lat: 53.4084, lon: -2.9916 },
  { name: 'Cardiff', country: 'GB', lat: 51.4816, lon: -3.1791 },
  { name: 'Belfast', country: 'GB', lat: 54.5973, lon: -5.9301 },
];

/** How often each home city is drawn (London is a third of the customers). */
export const HOME_CITY_WEIGHTS: readonly number[] = [34, 10, 9, 6, 6, 5, 5, 5, 3, 3];

/** Cities abroad: where customers on holiday pay, and where cloned cards are cashed out. */
export const FOREIGN_CITIES: readonly City[] = [
  { name: 'Paris', country: 'FR', lat: 48.8566, lon: 2.3522 },
  { name: 'Madrid', country: 'ES', lat: 40.4168, lon: -3.7038 },
  { name: 'Amsterdam', country: 'NL', lat: 52.3676, lon: 4.9041 },
  { name: 'Dublin', country: 'IE', lat: 53.3498, lon: -6.2603 },
  { name: 'Lisbon', country: 'PT', lat: 38.7223, lon: -9.1393 },
  { name: 'Berlin', country: 'DE', lat: 52.52, lon: 13.405 },
];

/** Far away (over 2,000 km from any home city): no flight makes a payment there minutes later. */
export const FAR_CITIES: readonly City[] = [
  { name: 'New York', country: 'US', lat: 40.7128, lon: -74.006 },
  { name: 'Lagos', country: 'NG', lat: 6.5244, lon: 3.3792 },
  { name: 'Dubai', country: 'AE', lat: 25.2048, lon: 55.2708 },
  { name: 'Bangkok', country: 'TH', lat: 13.7563, lon: 100.5018 },
  { name: 'Sao Paulo', country: 'BR', lat: -23.5505, lon: -46.6333 },
  { name: 'Kuala Lumpur', country: 'MY', lat: 3.139, lon: 101.6869 },
  { name: 'Bucharest', country: 'RO', lat: 44.4268, lon: 26.1025 },
  { name: 'Mexico City', country: 'MX', lat: 19.4326, lon: -99.1332 },
];

export interface Merchant {
  readonly name: string;
  /** ISO 18245 merchant category code, as a 4-digit string. */
  readonly mcc: string;
  /** Median amount (GBP) of a purchase there. */
  readonly median: number;
  /** Country of an online merchant; in-person merchants are where the card is. */
  readonly country?: string;
}

/** Shops, restaurants and fuel stations where cards are present (POS). */
export const POS_MERCHANTS: readonly Merchant[] = [
  { name: 'Tesco', mcc: '5411', median: 28 },
  { name: "Sainsbury's", mcc: '5411', median: 32 },
  { name: 'Waitrose', mcc: '5411', median: 41 },
  { name: 'Lidl', mcc: '5411', median: 22 },
  { name: 'Pret A Manger', mcc: '5814', median: 7 },
  { name: 'Costa Coffee', mcc: '5814', median: 5 },
  { name: 'Greggs', mcc: '5814', median: 4 },
  { name: 'Nando\'s', mcc: '5812', median: 34 },
  { name: 'Shell', mcc: '5541', median: 55 },
  { name: 'BP', mcc: '5541', median: 52 },
  { name: 'Boots', mcc: '5912', median: 14 },
  { name: 'Primark', mcc: '5651', median: 26 },
  { name: 'John Lewis', mcc: '5311', median: 78 },
  { name: 'Currys', mcc: '5732', median: 160 },
  { name: 'IKEA', mcc: '5712', median: 95 },
  { name: 'Wetherspoons', mcc: '5813', median: 18 },
  { name: 'TfL Travel', mcc: '4111', median: 3 },
];

/** Online shops (ECOM); some are abroad. */
export const ECOM_MERCHANTS: readonly Merchant[] = [
  { name: 'Amazon UK', mcc: '5999', median: 24, country: 'GB' },
  { name: 'Netflix', mcc: '4899', median: 11, country: 'NL' },
  { name: 'Spotify', mcc: '4899', median: 11, country: 'SE' },
  { name: 'Deliveroo', mcc: '5812', median: 23, country: 'GB' },
  { name: 'Uber', mcc: '4121', median: 14, country: 'NL' },
  { name: 'ASOS', mcc: '5651', median: 45, country: 'GB' },
  { name: 'eBay', mcc: '5999', median: 31, country: 'GB' },
  { name: 'Trainline', mcc: '4112', median: 48, country: 'GB' },
  { name: 'Steam', mcc: '5816', median: 17, country: 'US' },
  { name: 'Booking.com', mcc: '4722', median: 210, country: 'NL' },
  { name: 'Ocado', mcc: '5411', median: 85, country: 'GB' },
  { name: 'AliExpress', mcc: '5999', median: 12, country: 'CN' },
];

/** Mail or telephone orders (MOTO). */
export const MOTO_MERCHANTS: readonly Merchant[] = [
  { name: 'Premier Inn Bookings', mcc: '7011', median: 95, country: 'GB' },
  { name: 'National Express Phone', mcc: '4131', median: 38, country: 'GB' },
  { name: 'Littlewoods Catalogue', mcc: '5964', median: 60, country: 'GB' },
];

/** Where stolen card numbers are tested: tiny online charges nobody notices. */
export const PROBE_MERCHANTS: readonly Merchant[] = [
  { name: 'JustGiving Donation', mcc: '8398', median: 1, country: 'GB' },
  { name: 'App Store', mcc: '5818', median: 1, country: 'IE' },
  { name: 'Google Play', mcc: '5818', median: 1, country: 'IE' },
  { name: 'Parking Pay', mcc: '7523', median: 1, country: 'GB' },
  { name: 'WikiDonate', mcc: '8398', median: 1, country: 'US' },
];

/** Goods that resell easily: electronics (5732), jewellery (5944), gift cards (5947 or by name). */
export const RESALE_MERCHANTS: readonly Merchant[] = [
  { name: 'Currys Online', mcc: '5732', median: 650, country: 'GB' },
  { name: 'Apple Store Online', mcc: '5732', median: 900, country: 'IE' },
  { name: 'AO.com', mcc: '5732', median: 520, country: 'GB' },
  { name: 'Goldsmiths', mcc: '5944', median: 780, country: 'GB' },
  { name: 'Pandora Online', mcc: '5944', median: 410, country: 'DK' },
  { name: 'Gift Card Mall', mcc: '5947', median: 500, country: 'US' },
  { name: 'Amazon Gift Cards', mcc: '5999', median: 450, country: 'GB' },
];

/** Quasi-cash: money transfer (4829), crypto (6051), gambling (7995). */
export const QUASI_CASH_MERCHANTS: readonly Merchant[] = [
  { name: 'Western Union', mcc: '4829', median: 350, country: 'GB' },
  { name: 'Coinbase', mcc: '6051', median: 500, country: 'IE' },
  { name: 'Binance', mcc: '6051', median: 600, country: 'MT' },
  { name: 'Bet365', mcc: '7995', median: 120, country: 'GI' },
];

/** ATM operators; an ATM's merchant name is the operator and the city. */
export const ATM_OPERATORS: readonly string[] = ['Barclays', 'HSBC', 'Lloyds', 'NatWest', 'Santander', 'Cardtronics', 'Euronet'];

/** The usual cash amounts at an ATM. */
export const ATM_AMOUNTS: readonly number[] = [10, 20, 20, 30, 40, 50, 50, 60, 80, 100, 100, 150, 200, 250, 300];

export interface Instrument {
  readonly symbol: string;
  /** Opening price. */
  readonly price: number;
  /** Relative share of the tape. */
  readonly weight: number;
  /** Typical bid-ask spread, in basis points of the mid price. */
  readonly spreadBps: number;
  /** Median print size, in shares. */
  readonly lot: number;
  /** A thin, cheap stock: what pump-and-dump schemes pick. */
  readonly thin: boolean;
}

const big = (symbol: string, price: number, weight: number, spreadBps = 2, lot = 200): Instrument => ({ symbol, price, weight, spreadBps, lot, thin: false });
const small = (symbol: string, price: number): Instrument => ({ symbol, price, weight: 0.6, spreadBps: 80, lot: 300, thin: true });

/** Fifty instruments: US large caps, busy to quiet, and ten thinly traded small caps. */
export const INSTRUMENTS: readonly Instrument[] = [
  big('AAPL', 191.2, 10), big('MSFT', 412.5, 9), big('NVDA', 121.4, 10, 2, 400), big('AMZN', 182.3, 8), big('TSLA', 248.6, 9, 3, 300),
  big('GOOGL', 165.8, 7), big('META', 498.1, 6), big('AMD', 158.7, 6, 3, 300), big('JPM', 199.4, 4), big('V', 274.9, 3),
  big('NFLX', 648.2, 3, 4, 100), big('AVGO', 161.3, 4), big('COST', 851.7, 2, 4, 80), big('LLY', 802.5, 2, 4, 80), big('UNH', 519.3, 2, 4, 100),
  big('XOM', 114.6, 3), big('JNJ', 155.2, 2), big('WMT', 65.4, 3, 3, 300), big('MA', 461.8, 2), big('PG', 164.9, 2),
  big('HD', 348.7, 2, 3, 100), big('CVX', 154.3, 2), big('ABBV', 171.6, 2), big('KO', 62.1, 2, 3, 400), big('PEP', 169.8, 2),
  big('ADBE', 521.4, 2, 4, 100), big('CRM', 268.5, 2, 4, 150), big('INTC', 31.2, 4, 4, 800), big('CSCO', 48.3, 2, 3, 500), big('ORCL', 139.7, 2),
  big('BAC', 38.4, 3, 3, 800), big('WFC', 58.2, 2, 3, 500), big('DIS', 95.6, 2, 3, 300), big('NKE', 94.8, 2, 3, 300), big('MCD', 289.4, 1.5, 3, 150),
  big('PFE', 28.1, 2, 4, 900), big('T', 17.3, 2, 6, 1200), big('VZ', 40.2, 1.5, 4, 600), big('BA', 179.5, 2, 4, 200), big('PLTR', 23.8, 4, 5, 1000),
  small('ZNTX', 2.35), small('QBIO', 4.12), small('VRDX', 1.87), small('OPTQ', 6.4), small('NRGX', 3.05),
  small('KLMR', 0.92), small('SPRQ', 5.6), small('AXLN', 2.78), small('MOXI', 1.44), small('TRVL', 7.15),
];

export const VENUES: readonly string[] = ['XNAS', 'XNYS', 'ARCX', 'BATS', 'EDGX', 'IEXG'];

export const NEWS_SOURCES: readonly string[] = ['Reuters', 'Bloomberg', 'Dow Jones', 'PR Newswire', 'Business Wire', 'StockTwits'];

/** Headline templates (`$` is the symbol) by tone. */
export const HEADLINES = {
  veryPositive: [
    '$ receives takeover bid at 38% premium',
    '$ raises full-year guidance after record quarter',
    '$ wins FDA approval for lead drug',
    '$ beats estimates, announces $10bn buyback',
  ],
  positive: ['$ shares edge up on upbeat analyst note', '$ signs multi-year supply deal', '$ opens new plant ahead of schedule'],
  neutral: ['$ to present at industry conference', '$ names new chief financial officer', '$ schedules quarterly results call'],
  negative: ['$ cuts outlook on weaker demand', '$ faces regulatory probe over sales practices', '$ recalls products in Europe'],
  veryNegative: ['$ issues profit warning, suspends dividend', '$ auditor resigns citing accounting concerns', '$ misses estimates as margins collapse'],
  rumour: ['RUMOUR: $ said to explore sale', 'Market chatter: $ rumour of activist stake'],
  opinion: ['Opinion: why $ is still undervalued', 'Opinion: $ has peaked'],
  promotion: ['$ set to soar 300%, says investor newsletter', 'Hot tip: $ breakthrough could change everything', '$ named top small-cap pick of the year'],
} as const;

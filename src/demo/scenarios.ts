/**
 * Injected scenarios: short scripts of events that make the rules of queries/ fire. Each one
 * follows its rule's conditions and thresholds with a margin (the amounts, the keys, the gaps
 * within WITHIN and window sizes), and uses a card, customer or instrument that the background
 * does not touch while it runs, so nothing unplanned comes in between. A scenario returns false
 * when it cannot run now (night cash by day, no instrument free), and the generator picks
 * another.
 */
import { cents } from './random.js';
import {
  FAR_CITIES,
  HEADLINES,
  NEWS_SOURCES,
  POS_MERCHANTS,
  PROBE_MERCHANTS,
  QUASI_CASH_MERCHANTS,
  RESALE_MERCHANTS,
  ECOM_MERCHANTS,
  type Merchant,
} from './reference-data.js';
import { atm, quote, trade, txn, type Card, type Quoted, type ScenarioContext, type Script } from './world.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

export interface Scenario {
  readonly name: string;
  /** The output stream the scenario is written for ('' for a decoy that must fire nothing). */
  readonly fires: string;
  readonly run: (ctx: ScenarioContext, start: number) => boolean;
}

/** A headline of a template list, for `symbol`. */
function headline(ctx: ScenarioContext, templates: readonly string[], symbol: string): string {
  return ctx.rng.pick(templates).replace('$', symbol);
}

function newsMeta(ctx: ScenarioContext, source: string): Record<string, unknown> {
  return { source, language: 'en', story_id: `nw-${ctx.rng.code(8, '0123456789abcdef')}` };
}

/** A risk score change, on the event stream and on the table (the same feed in production). */
function score(s: Script, card: Card, value: number, reason: string): void {
  const data = { card: card.token, score: Math.round(value * 1000) / 1000, reason };
  s.emit('RiskUpdate', data).emit('Risk', { ...data });
}

/** A tiny card-not-present charge: a fraudster checking that a stolen number works. */
function probe(ctx: ScenarioContext, s: Script, card: Card): void {
  const amount = ctx.rng.pick([0.01, 0.5, 0.99, 1, 1, 1.49, 1.99]);
  s.emit('Txn', txn(ctx, card, ctx.rng.pick(PROBE_MERCHANTS), amount, ctx.rng.chance(0.85) ? 'ECOM' : 'MOTO'));
}

/** A large online purchase of resellable goods, 300 or more. */
function bigCharge(ctx: ScenarioContext, s: Script, card: Card, floor = 320): void {
  const m = ctx.rng.pick(RESALE_MERCHANTS);
  s.emit('Txn', txn(ctx, card, m, Math.max(floor, ctx.rng.logNormal(m.median, 0.4)), 'ECOM'));
}

/** fraud-card-testing.cql: 1-3 probes, then a large charge within minutes, no verification. */
function cardTesting(ctx: ScenarioContext, start: number): boolean {
  const { rng } = ctx;
  const card = ctx.freshCard();
  const s = ctx.script(start);
  const probes = rng.int(1, 3);
  for (let i = 0; i < probes; i++) {
    if (i > 0) s.wait(rng.between(3 * SECOND, 25 * SECOND));
    probe(ctx, s, card);
  }
  s.wait(rng.between(20 * SECOND, 3 * MINUTE));
  bigCharge(ctx, s, card);
  return true;
}

/** fraud-repeat-offender.cql: the same card tested and drained three or four times in a row. */
function repeatOffender(ctx: ScenarioContext, start: number): boolean {
  const { rng } = ctx;
  const card = ctx.freshCard();
  const s = ctx.script(start);
  const episodes = rng.int(3, 4);
  for (let i = 0; i < episodes; i++) {
    if (i > 0) s.wait(rng.between(20 * SECOND, 2 * MINUTE));
    probe(ctx, s, card);
    s.wait(rng.between(15 * SECOND, 90 * SECOND));
    bigCharge(ctx, s, card);
  }
  return true;
}

/** A decoy for fraud-card-testing.cql: the holder buys an app, then a laptop with 3-D Secure. */
function verifiedPurchase(ctx: ScenarioContext, start: number): boolean {
  const { rng } = ctx;
  const card = ctx.freshCard();
  const s = ctx.script(start);
  probe(ctx, s, card);
  s.wait(rng.between(1 * MINUTE, 5 * MINUTE));
  s.emit('Verified', { card: card.token, method: rng.pick(['3DS', 'OTP', 'BIOMETRIC']) });
  s.wait(rng.between(2 * SECOND, 8 * SECOND));
  bigCharge(ctx, s, card);
  return true;
}

/** A card-present payment in the holder's city. */
function atHome(ctx: ScenarioContext, s: Script, card: Card): void {
  const m = ctx.rng.pick(POS_MERCHANTS);
  s.emit('Txn', txn(ctx, card, m, ctx.rng.logNormal(m.median, 0.5), 'POS'));
}

/** A card-present payment or withdrawal thousands of kilometres away (a cloned card). */
function farAway(ctx: ScenarioContext, s: Script, card: Card): void {
  const city = ctx.rng.pick(FAR_CITIES);
  if (ctx.rng.chance(0.5)) {
    s.emit('Txn', txn(ctx, card, atm(ctx.rng, city), ctx.rng.pick([200, 300, 400, 500]), 'ATM', city));
  } else {
    const m: Merchant = { name: ctx.rng.pick(['Duty Free Electronics', 'Grand Mall Jewellers', 'City Supermarket', 'Luxury Watches']), mcc: ctx.rng.pick(['5732', '5944', '5411']), median: 400 };
    s.emit('Txn', txn(ctx, card, m, ctx.rng.logNormal(m.median, 0.5), 'POS', city));
  }
}

/** fraud-impossible-travel.cql: paid in person at home, then abroad minutes later. */
function impossibleTravel(ctx: ScenarioContext, start: number): boolean {
  const card = ctx.freshCard();
  const s = ctx.script(start);
  atHome(ctx, s, card);
  s.wait(ctx.rng.between(1 * MINUTE, 12 * MINUTE));
  farAway(ctx, s, card);
  return true;
}

/** fraud-card-velocity.cql: a bot hammers online shops with one card, 9-14 times in minutes. */
function velocity(ctx: ScenarioContext, start: number): boolean {
  const { rng } = ctx;
  const card = ctx.freshCard();
  const s = ctx.script(start);
  const shops = [rng.pick(ECOM_MERCHANTS), rng.pick(ECOM_MERCHANTS), rng.pick(ECOM_MERCHANTS)];
  const n = rng.int(9, 14);
  for (let i = 0; i < n; i++) {
    if (i > 0) s.wait(rng.between(10 * SECOND, 40 * SECOND));
    s.emit('Txn', txn(ctx, card, rng.pick(shops), rng.between(15, 95), 'ECOM'));
  }
  return true;
}

/**
 * fraud-signal-fusion.cql: a cloned card. The original is used at speed at home (card_velocity)
 * while the clone is swiped abroad (impossible_travel), within the hour.
 */
function clonedCard(ctx: ScenarioContext, start: number): boolean {
  const { rng } = ctx;
  const card = ctx.freshCard();
  const s = ctx.script(start);
  atHome(ctx, s, card);
  const n = rng.int(8, 10);
  for (let i = 0; i < n; i++) {
    s.wait(rng.between(10 * SECOND, 30 * SECOND));
    if (rng.chance(0.3)) atHome(ctx, s, card);
    else s.emit('Txn', txn(ctx, card, rng.pick(ECOM_MERCHANTS), rng.between(20, 120), 'ECOM'));
  }
  s.wait(rng.between(20 * SECOND, 2 * MINUTE));
  farAway(ctx, s, card);
  return true;
}

/** fraud-spending-spree.cql: one sitting of online purchases of resellable goods, 2,500+. */
function spendingSpree(ctx: ScenarioContext, start: number): boolean {
  const { rng } = ctx;
  const card = ctx.freshCard();
  const s = ctx.script(start);
  let total = 0;
  for (let n = 0; n < 4 || total < 2700; n++) {
    if (n > 0) s.wait(rng.between(30 * SECOND, 3 * MINUTE));
    const m = rng.pick(RESALE_MERCHANTS);
    const amount = cents(Math.max(250, rng.logNormal(m.median, 0.3)));
    total += amount;
    s.emit('Txn', txn(ctx, card, m, amount, 'ECOM'));
  }
  return true;
}

/**
 * fraud-night-cash.cql: four withdrawals of 400-500 at several ATMs between midnight and 5 am
 * London time. Any split of them by an hour boundary leaves a window with two totalling 800+.
 */
function nightCash(ctx: ScenarioContext, start: number): boolean {
  const { rng } = ctx;
  const night = (t: number) => ctx.londonHour(t) <= 4;
  if (!night(start) || !night(start + 20 * MINUTE)) return false;
  const card = ctx.freshCard();
  const s = ctx.script(start);
  const atms = [atm(rng, card.city), atm(rng, card.city), atm(rng, card.city)];
  for (let i = 0; i < 4; i++) {
    if (i > 0) s.wait(rng.between(1 * MINUTE, 4 * MINUTE));
    s.emit('Txn', txn(ctx, card, atms[Math.min(i, 2)]!, rng.pick([400, 450, 500]), 'ATM'));
  }
  return true;
}

/** fraud-risky-card-spend.cql: the model distrusts a card, which is then used for real money. */
function riskyCardSpend(ctx: ScenarioContext, start: number): boolean {
  const { rng } = ctx;
  const card = ctx.freshCard();
  const s = ctx.script(start);
  score(s, card, rng.between(0.62, 0.98), rng.pick(['CHARGEBACK', 'BREACH_LIST', 'DEVICE', 'MODEL']));
  const n = rng.int(1, 3);
  for (let i = 0; i < n; i++) {
    s.wait(rng.between(20 * SECOND, 3 * MINUTE));
    if (rng.chance(0.5)) atHome(ctx, s, card);
    const m = rng.pick(ECOM_MERCHANTS);
    s.emit('Txn', txn(ctx, card, m, Math.max(60, rng.logNormal(m.median * 4, 0.5)), 'ECOM'));
  }
  return true;
}

/** fraud-risk-escalation.cql: a low score, a jump to 0.85+, then a purchase of 100+ unverified. */
function riskEscalation(ctx: ScenarioContext, start: number): boolean {
  const { rng } = ctx;
  const card = ctx.freshCard();
  const s = ctx.script(start);
  score(s, card, rng.between(0.03, 0.35), 'MODEL');
  s.wait(rng.between(20 * SECOND, 4 * MINUTE));
  score(s, card, rng.between(0.86, 0.99), rng.pick(['BREACH_LIST', 'DEVICE', 'SIM_SWAP']));
  s.wait(rng.between(10 * SECOND, 2 * MINUTE));
  const m = rng.pick(rng.chance(0.5) ? RESALE_MERCHANTS : ECOM_MERCHANTS);
  s.emit('Txn', txn(ctx, card, m, Math.max(120, rng.logNormal(m.median, 0.5)), 'ECOM'));
  return true;
}

/** fraud-risky-cash-out.cql: a distrusted card buys online, then goes to an ATM or quasi-cash. */
function riskyCashOut(ctx: ScenarioContext, start: number): boolean {
  const { rng } = ctx;
  const card = ctx.freshCard();
  const s = ctx.script(start);
  score(s, card, rng.between(0.72, 0.96), rng.pick(['BREACH_LIST', 'CHARGEBACK', 'DEVICE']));
  s.wait(rng.between(10 * SECOND, 2 * MINUTE));
  const m = rng.pick(ECOM_MERCHANTS);
  s.emit('Txn', txn(ctx, card, m, Math.max(5, rng.logNormal(m.median, 0.5)), 'ECOM'));
  s.wait(rng.between(30 * SECOND, 5 * MINUTE));
  if (rng.chance(0.55)) s.emit('Txn', txn(ctx, card, atm(rng, card.city), rng.pick([200, 250, 300, 400, 500]), 'ATM'));
  else {
    const qc = rng.pick(QUASI_CASH_MERCHANTS);
    s.emit('Txn', txn(ctx, card, qc, rng.logNormal(qc.median, 0.4), 'ECOM'));
  }
  return true;
}

/** fraud-credential-stuffing.cql: one IP tries 20-32 accounts in two minutes, nearly all fail. */
function credentialStuffing(ctx: ScenarioContext, start: number): boolean {
  const { rng } = ctx;
  const ip = `${rng.pick(['185.220', '45.142', '103.75', '91.219'])}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
  const country = rng.pick(['NL', 'RU', 'VN', 'BR', 'US', 'RO']);
  const s = ctx.script(start);
  const n = rng.int(20, 32);
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    if (i > 0) s.wait(rng.between(0.5 * SECOND, 4 * SECOND));
    let victim = ctx.poolCustomer();
    while (seen.has(victim.account)) victim = ctx.poolCustomer();
    seen.add(victim.account);
    // a reused password now and then: at most two successes, never among the first ten
    const success = i >= 10 && rng.chance(0.06);
    s.emit('Login', { account: victim.account, ip, device_id: `bot-${rng.code(6, '0123456789abcdef')}`, country, success });
  }
  return true;
}

/** fraud-account-takeover.cql: reset, new device, (login from it), big transfer to a mule. */
function accountTakeover(ctx: ScenarioContext, start: number): boolean {
  const { rng } = ctx;
  const victim = ctx.freshCustomer();
  const device = ctx.deviceId();
  const s = ctx.script(start);
  s.emit('PasswordReset', { account: victim.account, channel: rng.pick(['SMS', 'EMAIL', 'CALL_CENTRE']) });
  s.wait(rng.between(20 * SECOND, 3 * MINUTE));
  s.emit('NewDevice', { account: victim.account, device_id: device });
  if (rng.chance(0.75)) {
    s.wait(rng.between(10 * SECOND, 40 * SECOND));
    const ip = `${rng.pick(['41.58', '102.89', '197.210', '5.188'])}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
    s.emit('Login', { account: victim.account, ip, device_id: device, country: rng.pick(['NG', 'GH', 'RO', 'GB']), success: true });
  }
  s.wait(rng.between(20 * SECOND, 2 * MINUTE));
  s.emit('Transfer', { account: victim.account, amount: cents(rng.between(1200, 8800)), beneficiary: ctx.iban() });
  return true;
}

/** fraud-structuring.cql: three or four payments of 9,000-9,999 from one account. */
function structuring(ctx: ScenarioContext, start: number): boolean {
  const { rng } = ctx;
  const who = ctx.freshCustomer();
  const s = ctx.script(start);
  const n = rng.int(3, 4);
  for (let i = 0; i < n; i++) {
    if (i > 0) s.wait(rng.between(40 * SECOND, 4 * MINUTE));
    s.emit('Transfer', { account: who.account, amount: cents(rng.between(9050, 9980)), beneficiary: ctx.iban() });
  }
  return true;
}

/** trading-momentum-break.cql: 3-5 consecutive up-ticks, then a drop of 2.5%+ within the minute. */
function momentumBreak(ctx: ScenarioContext, start: number): boolean {
  const { rng } = ctx;
  const q = ctx.lockInstrument(start + 45 * SECOND, false);
  if (!q) return false;
  const s = ctx.script(start);
  const lot = q.info.lot;
  let price = cents(q.price);
  s.emit('Trade', trade(rng, q, price, rng.logNormal(lot, 0.5)));
  const rises = rng.int(3, 5);
  for (let i = 0; i < rises; i++) {
    s.wait(rng.between(1 * SECOND, 5 * SECOND));
    price = Math.max(cents(price + 0.01), cents(price * (1 + rng.between(0.002, 0.006))));
    s.emit('Trade', trade(rng, q, price, rng.logNormal(lot * 2, 0.5)));
  }
  s.wait(rng.between(1 * SECOND, 5 * SECOND));
  const broken = Math.floor(price * rng.between(0.955, 0.975) * 100) / 100;
  s.emit('Trade', trade(rng, q, broken, rng.logNormal(lot * 8, 0.4)));
  q.price = broken;
  return true;
}

/** trading-pump-and-dump.cql: a thin stock, a promotion, heavy buying to +25-40%, a collapse. */
function pumpAndDump(ctx: ScenarioContext, start: number): boolean {
  const { rng } = ctx;
  const q = ctx.lockInstrument(start + 8 * MINUTE, true);
  if (!q) return false;
  const s = ctx.script(start);
  const base = cents(q.price);
  const baseVolume = rng.int(100, 300);
  s.emit('Trade', trade(rng, q, base, baseVolume));
  if (rng.chance(0.75)) {
    s.wait(rng.between(5 * SECOND, 40 * SECOND));
    s.emit('News', { symbol: q.info.symbol, headline: headline(ctx, HEADLINES.promotion, q.info.symbol), sentiment: cents(rng.between(0.75, 0.95)), meta: newsMeta(ctx, 'StockTwits') });
  }
  const surge = rng.int(4, 6);
  const peak = base * rng.between(1.28, 1.4);
  let price = base;
  for (let i = 1; i <= surge; i++) {
    s.wait(rng.between(10 * SECOND, 45 * SECOND));
    price = Math.max(cents(price + 0.01), cents(base * 1.04 + ((peak - base * 1.04) * i) / surge));
    s.emit('Trade', trade(rng, q, price, baseVolume * rng.between(6, 25)));
  }
  for (let i = 0; i < 2; i++) {
    s.wait(rng.between(10 * SECOND, 50 * SECOND));
    price = Math.floor(price * rng.between(0.72, 0.8) * 100) / 100;
    s.emit('Trade', trade(rng, q, Math.max(0.01, price), baseVolume * rng.between(10, 40)));
  }
  q.price = Math.max(0.01, price);
  return true;
}

/** trading-spread-spike.cql: 24-30 ordinary quotes, then market makers pull theirs. */
function spreadSpike(ctx: ScenarioContext, start: number): boolean {
  const { rng } = ctx;
  const q = ctx.lockInstrument(start + 100 * SECOND, false);
  if (!q) return false;
  const s = ctx.script(start);
  const n = rng.int(24, 30);
  for (let i = 0; i < n; i++) {
    if (i > 0) s.wait(rng.between(1 * SECOND, 3 * SECOND));
    s.emit('Quote', quote(q, q.price, q.info.spreadBps * rng.between(0.9, 1.1)));
  }
  const normal = quote(q, q.price, q.info.spreadBps);
  const ticks = Math.round(((normal['ask'] as number) - (normal['bid'] as number)) * 100);
  for (let i = 0; i < 2; i++) {
    s.wait(rng.between(0.5 * SECOND, 2 * SECOND));
    const wide = Math.max(ticks * 10, Math.round(q.price * q.info.spreadBps * rng.between(0.1, 0.16))) / 100;
    const bid = Math.max(0.01, cents(q.price - wide / 2));
    s.emit('Quote', { symbol: q.info.symbol, bid, ask: cents(bid + wide) });
  }
  return true;
}

/** trading-tick-volatility.cql: 30 quiet prints, then a fat-finger print 6-10% away. */
function tickOutlier(ctx: ScenarioContext, start: number): boolean {
  const { rng } = ctx;
  const q = ctx.lockInstrument(start + 60 * SECOND, false);
  if (!q) return false;
  const s = ctx.script(start);
  const lot = q.info.lot;
  for (let i = 0; i < 30; i++) {
    if (i > 0) s.wait(rng.between(0.3 * SECOND, 1.5 * SECOND));
    s.emit('Trade', trade(rng, q, q.price * (1 + 0.0002 * rng.normal()), rng.logNormal(lot, 0.6)));
  }
  s.wait(rng.between(0.3 * SECOND, 1.5 * SECOND));
  const away = rng.between(0.06, 0.1) * (rng.chance(0.5) ? 1 : -1);
  s.emit('Trade', trade(rng, q, q.price * (1 + away), rng.logNormal(lot * 5, 0.5)));
  s.wait(rng.between(0.3 * SECOND, 1.5 * SECOND));
  s.emit('Trade', trade(rng, q, q.price, rng.logNormal(lot, 0.6)));
  return true;
}

/** Fills of `qty` in 1-`slices` pieces, the first `delay` after `start`, close together. */
export function fills(ctx: ScenarioContext, orderId: string, q: Quoted, qty: number, start: number, delay: number, slices: number, price: number): void {
  const { rng } = ctx;
  const s = ctx.script(start).wait(delay);
  let left = qty;
  const n = Math.max(1, Math.min(slices, qty));
  for (let i = 0; i < n; i++) {
    if (i > 0) s.wait(rng.between(20, 1500));
    const part = i === n - 1 ? left : Math.max(1, Math.round((left / (n - i)) * rng.between(0.6, 1.2)));
    left -= part;
    s.emit('Fills', { order_id: orderId, symbol: q.info.symbol, qty: part, price: cents(price * (1 + 0.0003 * rng.normal())) });
    if (left <= 0) break;
  }
}

/** trading-unfilled-orders.cql: a market order that gets no fill for 30 seconds (or ever). */
function unfilledOrder(ctx: ScenarioContext, start: number): boolean {
  const { rng } = ctx;
  const q = ctx.instrument();
  const orderId = ctx.orderId();
  const qty = rng.int(1, 50) * 100;
  ctx.script(start).emit('Orders', { order_id: orderId, account: ctx.tradingAccount(), symbol: q.info.symbol, side: rng.pick(['BUY', 'SELL']), qty, limit_price: null });
  // sometimes the stuck order is released by hand, long after
  if (rng.chance(0.3)) fills(ctx, orderId, q, qty, start, rng.between(45 * SECOND, 3 * MINUTE), 2, q.price);
  return true;
}

/** trading-ahead-of-news.cql: a 250,000+ order, then news that moves the price its way. */
function aheadOfNews(ctx: ScenarioContext, start: number): boolean {
  const { rng } = ctx;
  const q = ctx.instrument();
  const buy = rng.chance(0.7);
  const limit = cents(q.price * (buy ? 1.003 : 0.997));
  const qty = Math.ceil(rng.between(270_000, 1_200_000) / limit / 100) * 100;
  const orderId = ctx.orderId();
  const s = ctx.script(start);
  s.emit('Orders', { order_id: orderId, account: ctx.tradingAccount(), symbol: q.info.symbol, side: buy ? 'BUY' : 'SELL', qty, limit_price: limit });
  fills(ctx, orderId, q, qty, start, rng.between(200, 20 * SECOND), 3, limit);
  s.wait(rng.between(1 * MINUTE, 6 * MINUTE));
  const sentiment = cents(rng.between(0.7, 0.97));
  s.emit('News', {
    symbol: q.info.symbol,
    headline: headline(ctx, buy ? HEADLINES.veryPositive : HEADLINES.veryNegative, q.info.symbol),
    sentiment: buy ? sentiment : -sentiment,
    meta: newsMeta(ctx, rng.pick(NEWS_SOURCES.slice(0, 3))),
  });
  return true;
}

/** trading-position-limit.cql: a fund accumulates 54,000-78,000 shares in three orders. */
function positionLimit(ctx: ScenarioContext, start: number): boolean {
  const { rng } = ctx;
  const q = ctx.instrument();
  const account = `FUND-${rng.code(5)}`;
  const side = rng.chance(0.7) ? 'BUY' : 'SELL';
  let t = start;
  for (let i = 0; i < 3; i++) {
    if (i > 0) t += rng.between(20 * SECOND, 90 * SECOND);
    const orderId = ctx.orderId();
    const qty = rng.int(180, 260) * 100;
    const market = rng.chance(0.5);
    const limit = market ? null : cents(q.price * (side === 'BUY' ? 1.002 : 0.998));
    ctx.script(t).emit('Orders', { order_id: orderId, account, symbol: q.info.symbol, side, qty, limit_price: limit });
    fills(ctx, orderId, q, qty, t, rng.between(50, 30 * SECOND), 4, limit ?? q.price);
  }
  return true;
}

/** Every scenario, in the order of the first round (the generator then shuffles the rounds). */
export const SCENARIOS: readonly Scenario[] = [
  { name: 'card testing', fires: 'card_testing', run: cardTesting },
  { name: 'impossible travel', fires: 'impossible_travel', run: impossibleTravel },
  { name: 'account takeover', fires: 'account_takeover', run: accountTakeover },
  { name: 'credential stuffing', fires: 'credential_stuffing', run: credentialStuffing },
  { name: 'momentum break', fires: 'momentum_break', run: momentumBreak },
  { name: 'risky card spend', fires: 'risky_card_spend', run: riskyCardSpend },
  { name: 'unfilled market order', fires: 'stuck_orders', run: unfilledOrder },
  { name: 'card velocity', fires: 'card_velocity', run: velocity },
  { name: 'spread spike', fires: 'spread_spike', run: spreadSpike },
  { name: 'structuring', fires: 'transfer_structuring', run: structuring },
  { name: 'tick outlier', fires: 'tick_outlier', run: tickOutlier },
  { name: 'risk escalation', fires: 'risk_escalation', run: riskEscalation },
  { name: 'pump and dump', fires: 'pump_and_dump', run: pumpAndDump },
  { name: 'night cash', fires: 'night_cash', run: nightCash },
  { name: 'risky cash-out', fires: 'risky_cash_out', run: riskyCashOut },
  { name: 'trading ahead of news', fires: 'trading_ahead_of_news', run: aheadOfNews },
  { name: 'cloned card', fires: 'fused_card_alert', run: clonedCard },
  { name: 'repeat card testing', fires: 'repeat_card_testing', run: repeatOffender },
  { name: 'position limit', fires: 'position_limit_breach', run: positionLimit },
  { name: 'spending spree', fires: 'spending_spree', run: spendingSpree },
  { name: 'verified purchase (decoy)', fires: '', run: verifiedPurchase },
];

/**
 * A built-in generator of realistic demo events for every source of queries/00-streams.cql, so
 * that a server started with the rules of queries/ has something to detect with no
 * configuration.
 *
 * The background is the everyday life of a retail bank and a broker: card authorisations of
 * 20,000 cards or more at shops, ATMs and online merchants (some verified by 3-D Secure),
 * logins, password resets, new devices and payments of half as many customers, fraud-model re-scorings
 * (on RiskUpdate and on the Risk table), prints and quotes of fifty instruments whose prices walk
 * at random, client orders with their fills (some partial, some never), and news. Mixed in, at
 * `scenarioRate` per 1,000 events, are injected scenarios (scenarios.ts) written to make the
 * rules fire: card testing, impossible travel, account takeover, pump-and-dump, and so on. The
 * first round injects every scenario once, so every rule gets its first alert early.
 *
 * Everything is drawn from one seeded generator (mulberry32): the same options give the same
 * events. Events come out in non-decreasing event time (`ts`, epoch ms), as the engine's
 * watermark requires, and each one fits its stream's schema exactly.
 *
 * ```ts
 * const demo = new DemoGenerator({ seed: 7 });
 * for (const { stream, data } of demo.batch(1000)) engine.push(stream, data);
 * ```
 */
import { Heap } from '../util/heap.js';
import { Random, cents, cumulative } from './random.js';
import {
  ATM_AMOUNTS,
  ECOM_MERCHANTS,
  FOREIGN_CITIES,
  HEADLINES,
  HOME_CITIES,
  HOME_CITY_WEIGHTS,
  INSTRUMENTS,
  MOTO_MERCHANTS,
  NEWS_SOURCES,
  POS_MERCHANTS,
  PROBE_MERCHANTS,
  RESALE_MERCHANTS,
} from './reference-data.js';
import { SCENARIOS, fills, type Scenario } from './scenarios.js';
import { Script, atm, quote, trade, txn, type Card, type Customer, type DemoEvent, type Quoted, type ScenarioContext } from './world.js';

export type { DemoEvent };

export interface DemoOptions {
  /** Seed of the pseudo-random generator: the same seed, the same events. Default 1. */
  readonly seed?: number;
  /**
   * Epoch ms of the first event. Default 2025-01-15T01:50:00Z, a night in London, so that the
   * night-time ATM rule (fraud-night-cash.cql) can fire in the first minutes.
   */
  readonly start?: number;
  /**
   * Events per second of event time, roughly (scenarios add a few). Default 20. Keep it modest
   * when event time follows the wall clock: trading-pump-and-dump.cql keeps a run per trade for
   * 15 minutes, so the engine's work per trade grows with the trade rate of a symbol.
   */
  readonly eventsPerSecond?: number;
  /** Injected scenarios per 1,000 events; 0 for the background alone. Default 6. */
  readonly scenarioRate?: number;
}

const DEFAULT_START = Date.UTC(2025, 0, 15, 1, 50);
/**
 * Cards per background episode per second, so that a card sees a few events an hour at any rate
 * (bounded: memory above, too few keys below); customers are half as many.
 */
const CARDS_PER_RATE = 1000;
const MIN_CARDS = 20_000;
const MAX_CARDS = 200_000;
const TRADING_ACCOUNTS = 400;
const HEX = '0123456789abcdef';

/** Background episodes and their relative frequencies; some emit more than one event. */
const EPISODE_SHARES = { txn: 30, login: 9, transfer: 3.5, reset: 0.25, device: 0.35, risk: 1.5, trade: 30, quote: 16, order: 4, news: 0.6 };
type Episode = keyof typeof EPISODE_SHARES;
const EPISODES = Object.keys(EPISODE_SHARES) as Episode[];
const EPISODE_WEIGHTS = cumulative(Object.values(EPISODE_SHARES));
/** Events per background episode, on average (an order brings its fills, a score two rows). */
const EVENTS_PER_EPISODE = 1.09;

interface Pending {
  readonly time: number;
  readonly seq: number;
  readonly event: DemoEvent;
}

export class DemoGenerator {
  readonly #rng: Random;
  readonly #gap: number;
  readonly #scenarioChance: number;
  readonly #pending = new Heap<Pending>((a, b) => a.time < b.time || (a.time === b.time && a.seq < b.seq));
  readonly #cards: Card[] = [];
  readonly #customers: Customer[] = [];
  readonly #traders: string[] = [];
  readonly #instruments: Quoted[];
  readonly #instrumentWeights: number[];
  readonly #injected = new Map<string, number>();
  readonly #ctx: ScenarioContext;
  #queue: Scenario[] = [...SCENARIOS];
  /** Event time of the next background episode. */
  #clock: number;
  #seq = 0;
  #txn = 0;
  #order = 0;

  constructor(options: DemoOptions = {}) {
    this.#rng = new Random(options.seed ?? 1);
    this.#clock = options.start ?? DEFAULT_START;
    this.#gap = (1000 * EVENTS_PER_EPISODE) / Math.max(0.001, options.eventsPerSecond ?? 20);
    this.#scenarioChance = Math.max(0, options.scenarioRate ?? 6) / 1000;
    const rng = this.#rng;
    const homes = cumulative(HOME_CITY_WEIGHTS);
    const rate = 1000 / this.#gap;
    const cards = Math.round(Math.min(MAX_CARDS, Math.max(MIN_CARDS, CARDS_PER_RATE * rate)));
    for (let i = 0; i < cards; i++) {
      // a few holders are abroad for the whole demo: they pay there, never at home
      const city = rng.chance(0.03) ? rng.pick(FOREIGN_CITIES) : HOME_CITIES[rng.weighted(homes)]!;
      this.#cards.push({ token: this.#cardToken(), city });
    }
    for (let i = 0; i < cards / 2; i++) this.#customers.push(this.#customer());
    for (let i = 0; i < TRADING_ACCOUNTS; i++) this.#traders.push(`CL${rng.code(6, '0123456789')}`);
    // prices move about 0.3% (large caps) or 1% (small caps) in 15 minutes, whatever the rate
    const tape = INSTRUMENTS.reduce((sum, i) => sum + i.weight, 0);
    const tradeShare = EPISODE_SHARES.trade / EPISODE_WEIGHTS.at(-1)!;
    const tradesPer15Min = (900_000 / this.#gap) * tradeShare;
    this.#instruments = INSTRUMENTS.map((info) => ({
      info,
      price: info.price,
      volatility: (info.thin ? 0.01 : 0.003) / Math.sqrt(Math.max(1, (tradesPer15Min * info.weight) / tape)),
      lockedUntil: -Infinity,
    }));
    this.#instrumentWeights = cumulative(INSTRUMENTS.map((i) => i.weight));
    this.#ctx = {
      rng,
      script: (start) => new Script(start, (time, event) => this.#pending.push({ time, seq: this.#seq++, event })),
      freshCard: () => ({ token: this.#cardToken(), city: HOME_CITIES[rng.weighted(homes)]! }),
      freshCustomer: () => this.#customer(),
      poolCustomer: () => rng.pick(this.#customers),
      instrument: () => this.#instrument(),
      lockInstrument: (until, thin) => this.#lock(until, thin),
      tradingAccount: () => rng.pick(this.#traders),
      txnId: () => `tx${(this.#txn++).toString(36).padStart(7, '0')}`,
      orderId: () => `ord-${(this.#order++).toString().padStart(7, '0')}`,
      deviceId: () => `dev-${rng.code(10, HEX)}`,
      iban: () => `${rng.pick(['GB', 'GB', 'LT', 'DE', 'NL'])}${rng.code(2, '0123456789')}${rng.code(4, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')}${rng.code(14, '0123456789')}`,
      londonHour: (time) => londonHour(time),
    };
  }

  /** The next event, at or after the event time of the previous one. */
  next(): DemoEvent {
    let top = this.#pending.peek();
    while (top === undefined || top.time > this.#clock) {
      this.#background(this.#clock);
      this.#clock += this.#rng.exponential(this.#gap);
      top = this.#pending.peek();
    }
    this.#pending.pop();
    if (this.#rng.chance(this.#scenarioChance)) this.#inject(top.time);
    return top.event;
  }

  /** The next `n` events. */
  batch(n: number): DemoEvent[] {
    const events: DemoEvent[] = [];
    for (let i = 0; i < n; i++) events.push(this.next());
    return events;
  }

  /** How many times each scenario has been injected so far, by scenario name. */
  injected(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.#injected);
  }

  // ------------------------------------------------------------------------------ scenarios

  /** Starts the next scenario of the round that can run now. */
  #inject(time: number): void {
    for (let tries = 0; tries < SCENARIOS.length; tries++) {
      if (this.#queue.length === 0) this.#queue = this.#shuffled(SCENARIOS);
      const scenario = this.#queue.shift()!;
      if (scenario.run(this.#ctx, time)) {
        this.#injected.set(scenario.name, (this.#injected.get(scenario.name) ?? 0) + 1);
        return;
      }
    }
  }

  #shuffled<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.#rng.int(0, i);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  #lock(until: number, thin: boolean): Quoted | undefined {
    const now = this.#clock;
    const free = this.#instruments.filter((q) => q.info.thin === thin && q.lockedUntil < now);
    if (free.length === 0) return undefined;
    const q = this.#rng.pick(free);
    q.lockedUntil = until;
    return q;
  }

  // ----------------------------------------------------------------------------- background

  /** Schedules an event at `time`; `data` is a fresh object, stamped in place. */
  #emit(time: number, stream: string, data: Record<string, unknown>): void {
    data['ts'] = Math.floor(time);
    this.#pending.push({ time, seq: this.#seq++, event: { stream, data } });
  }

  #background(time: number): void {
    const episode: Episode = EPISODES[this.#rng.weighted(EPISODE_WEIGHTS)]!;
    switch (episode) {
      case 'txn':
        return this.#cardPayment(time);
      case 'login':
        return this.#login(time, this.#rng.pick(this.#customers));
      case 'transfer':
        return this.#transfer(time);
      case 'reset':
        return this.#passwordReset(time);
      case 'device':
        return this.#newDevice(time);
      case 'risk':
        return this.#rescore(time);
      case 'trade':
        return this.#trade(time);
      case 'quote':
        return this.#quote(time);
      case 'order':
        return this.#clientOrder(time);
      case 'news':
        return this.#news(time);
    }
  }

  #cardPayment(time: number): void {
    const rng = this.#rng;
    const card = rng.pick(this.#cards);
    const r = rng.next();
    if (r < 0.56) {
      const m = rng.pick(POS_MERCHANTS);
      this.#emit(time, 'Txn', txn(this.#ctx, card, m, rng.logNormal(m.median, 0.6), 'POS'));
    } else if (r < 0.63) {
      this.#emit(time, 'Txn', txn(this.#ctx, card, atm(rng, card.city), rng.pick(ATM_AMOUNTS), 'ATM'));
    } else if (r < 0.98) {
      // online: now and then an app for 0.99 or a laptop; bigger baskets often pass 3-D Secure
      const x = rng.next();
      const m = x < 0.02 ? rng.pick(PROBE_MERCHANTS) : x < 0.03 ? rng.pick(RESALE_MERCHANTS) : rng.pick(ECOM_MERCHANTS);
      const amount = x < 0.02 ? rng.pick([0.79, 0.99, 1.49, 1.99, 2.99]) : rng.logNormal(m.median, 0.7);
      let at = time;
      if (amount >= 100 && rng.chance(0.6)) {
        this.#emit(time, 'Verified', { card: card.token, method: rng.pick(['3DS', '3DS', '3DS', 'OTP', 'BIOMETRIC']) });
        at += rng.between(1500, 8000);
      }
      this.#emit(at, 'Txn', txn(this.#ctx, card, m, amount, 'ECOM'));
    } else {
      const m = rng.pick(MOTO_MERCHANTS);
      this.#emit(time, 'Txn', txn(this.#ctx, card, m, rng.logNormal(m.median, 0.5), 'MOTO'));
    }
  }

  #login(time: number, who: Customer, device = who.device): void {
    const rng = this.#rng;
    const r = rng.next();
    // most from home, some from a mobile network, a few through an office's NAT gateway
    const ip = r < 0.8 ? who.ip : r < 0.97 ? `92.40.${rng.int(0, 255)}.${rng.int(1, 254)}` : `195.12.48.${rng.int(1, 4)}`;
    const success = rng.chance(0.95);
    this.#emit(time, 'Login', { account: who.account, ip, device_id: device, country: who.country, success });
    // a mistyped password is usually typed again, right, a few seconds later
    if (!success && rng.chance(0.7)) {
      this.#emit(time + rng.between(4000, 20_000), 'Login', { account: who.account, ip, device_id: device, country: who.country, success: true });
    }
  }

  #transfer(time: number): void {
    const rng = this.#rng;
    const r = rng.next();
    const amount = r < 0.7 ? rng.logNormal(85, 1) : r < 0.95 ? rng.logNormal(600, 0.6) : rng.logNormal(2500, 0.5);
    this.#emit(time, 'Transfer', { account: rng.pick(this.#customers).account, amount: cents(Math.max(1, Math.min(amount, 25_000))), beneficiary: this.#ctx.iban() });
  }

  #passwordReset(time: number): void {
    const rng = this.#rng;
    const who = rng.pick(this.#customers);
    this.#emit(time, 'PasswordReset', { account: who.account, channel: rng.pick(['EMAIL', 'EMAIL', 'EMAIL', 'SMS', 'SMS', 'CALL_CENTRE', 'BRANCH']) });
    if (rng.chance(0.8)) this.#login(time + rng.between(30_000, 180_000), who);
  }

  #newDevice(time: number): void {
    const rng = this.#rng;
    const who = rng.pick(this.#customers);
    const device = this.#ctx.deviceId();
    this.#emit(time, 'NewDevice', { account: who.account, device_id: device });
    if (rng.chance(0.9)) this.#login(time + rng.between(20_000, 120_000), who, device);
  }

  #rescore(time: number): void {
    const rng = this.#rng;
    const r = rng.next();
    const score = r < 0.93 ? rng.between(0.01, 0.35) : r < 0.99 ? rng.between(0.35, 0.59) : rng.between(0.6, 0.8);
    const data = {
      card: rng.pick(this.#cards).token,
      score: Math.round(score * 1000) / 1000,
      reason: score < 0.35 ? 'MODEL' : rng.pick(['MODEL', 'DEVICE', 'CHARGEBACK']),
    };
    this.#emit(time, 'RiskUpdate', data);
    this.#emit(time, 'Risk', { ...data });
  }

  /** An instrument by its share of the tape, not held by a scenario (or none). */
  #freeInstrument(): Quoted | undefined {
    for (let tries = 0; tries < 5; tries++) {
      const q = this.#instrument();
      if (q.lockedUntil < this.#clock) return q;
    }
    return undefined;
  }

  #instrument(): Quoted {
    return this.#instruments[this.#rng.weighted(this.#instrumentWeights)]!;
  }

  #trade(time: number): void {
    const rng = this.#rng;
    const q = this.#freeInstrument();
    if (!q) return;
    q.price = Math.max(0.05, q.price * Math.exp(q.volatility * rng.normal()));
    // now and then a print without volume: an auction indication or a correction
    const volume = rng.chance(0.005) ? 0 : Math.max(1, Math.round(rng.logNormal(q.info.lot, 0.9)));
    this.#emit(time, 'Trade', trade(rng, q, q.price, volume));
  }

  #quote(time: number): void {
    const rng = this.#rng;
    const q = this.#freeInstrument();
    if (!q) return;
    const data = quote(q, q.price, q.info.spreadBps * rng.between(0.8, 1.25));
    // a one-sided book now and then (the rules filter it out)
    if (rng.chance(0.003)) data['ask'] = null;
    this.#emit(time, 'Quote', data);
  }

  #clientOrder(time: number): void {
    const rng = this.#rng;
    const q = this.#instrument();
    const side = rng.chance(0.55) ? 'BUY' : 'SELL';
    const qty = rng.chance(0.9) ? Math.max(1, Math.round(rng.logNormal(60, 1))) : Math.max(1, Math.round(rng.logNormal(1500, 0.8) / 100)) * 100;
    const market = rng.chance(0.35);
    const limit = market ? null : cents(q.price * (side === 'BUY' ? rng.between(0.995, 1.002) : rng.between(0.998, 1.005)));
    const orderId = this.#ctx.orderId();
    this.#emit(time, 'Orders', { order_id: orderId, account: rng.pick(this.#traders), symbol: q.info.symbol, side, qty, limit_price: limit });
    const r = rng.next();
    if (market) {
      // a market order fills at once, in a few slices; once in a while one gets stuck
      if (r < 0.995) fills(this.#ctx, orderId, q, qty, time, rng.between(30, 900), rng.int(1, 3), q.price);
    } else if (r < 0.55) {
      fills(this.#ctx, orderId, q, qty, time, rng.between(500, 150_000), rng.int(1, 3), limit!);
    } else if (r < 0.7) {
      fills(this.#ctx, orderId, q, Math.max(1, Math.floor(qty * rng.between(0.1, 0.8))), time, rng.between(500, 90_000), 1, limit!);
    }
  }

  #news(time: number): void {
    const rng = this.#rng;
    const q = this.#instrument();
    const sentiment = cents(Math.max(-0.95, Math.min(0.95, 0.28 * rng.normal())));
    const r = rng.next();
    const templates =
      r < 0.06 ? HEADLINES.rumour
      : r < 0.1 ? HEADLINES.opinion
      : sentiment >= 0.6 ? HEADLINES.veryPositive
      : sentiment >= 0.2 ? HEADLINES.positive
      : sentiment > -0.2 ? HEADLINES.neutral
      : sentiment > -0.6 ? HEADLINES.negative
      : HEADLINES.veryNegative;
    this.#emit(time, 'News', {
      symbol: q.info.symbol,
      headline: rng.pick(templates).replace('$', q.info.symbol),
      sentiment,
      meta: { source: rng.pick(NEWS_SOURCES), language: 'en', story_id: `nw-${rng.code(8, HEX)}` },
    });
  }

  // ----------------------------------------------------------------------------- the world

  #cardToken(): string {
    return `tok_${this.#rng.code(12, HEX)}`;
  }

  #customer(): Customer {
    const rng = this.#rng;
    return {
      account: `ACC${rng.code(8, '0123456789')}`,
      ip: `${rng.pick(['81.2', '86.1', '90.2', '109.15', '2.12'])}${rng.int(0, 9)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
      device: `dev-${rng.code(10, HEX)}`,
      country: rng.chance(0.95) ? 'GB' : rng.pick(['IE', 'FR', 'ES']),
    };
  }
}

const LONDON = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: 'numeric', hourCycle: 'h23' });

/** The hour (0-23) of an epoch-ms time on a London clock. */
function londonHour(time: number): number {
  return Number(LONDON.format(new Date(time)));
}

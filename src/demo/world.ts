/**
 * What the demo generator's background and its injected scenarios share: card holders, bank
 * customers and instruments, the builders of events in the shapes of queries/00-streams.cql,
 * and the script a scenario writes its events with.
 */
import type { City, Instrument, Merchant } from './reference-data.js';
import { ATM_OPERATORS, VENUES } from './reference-data.js';
import { cents, type Random } from './random.js';

/** One event of a source stream or table of queries/00-streams.cql. */
export interface DemoEvent {
  readonly stream: string;
  readonly data: Record<string, unknown>;
}

export interface Card {
  readonly token: string;
  /** Where the holder lives and pays in person. */
  readonly city: City;
}

export interface Customer {
  readonly account: string;
  /** The home broadband address the customer logs in from. */
  readonly ip: string;
  readonly device: string;
  readonly country: string;
}

/** An instrument and its current price (a random walk). */
export interface Quoted {
  readonly info: Instrument;
  price: number;
  /** Standard deviation of the log-return of one background print. */
  readonly volatility: number;
  /** No background trade or quote of it before this time: a scenario is writing its tape. */
  lockedUntil: number;
}

export type Channel = 'POS' | 'ATM' | 'ECOM' | 'MOTO';

/** What an injected scenario may use of the generator. */
export interface ScenarioContext {
  readonly rng: Random;
  /** A script whose first event is at `start`. */
  script(start: number): Script;
  /** A card that no background event uses, so nothing unplanned interleaves with the scenario. */
  freshCard(): Card;
  /** A customer that no background event uses. */
  freshCustomer(): Customer;
  /** One of the bank's existing customers. */
  poolCustomer(): Customer;
  /** An instrument, drawn by its share of the tape. */
  instrument(): Quoted;
  /** An instrument free of other scenarios, locked from background prints until `until`. */
  lockInstrument(until: number, thin: boolean): Quoted | undefined;
  /** A client account of the broker. */
  tradingAccount(): string;
  txnId(): string;
  orderId(): string;
  deviceId(): string;
  iban(): string;
  /** The hour of `time` in London (0-23), daylight saving time included. */
  londonHour(time: number): number;
}

/**
 * The events of one scenario, written in time order: `wait` moves the script's clock, `emit`
 * schedules an event at it and stamps its `ts` (epoch ms).
 */
export class Script {
  #time: number;
  readonly #schedule: (time: number, event: DemoEvent) => void;

  constructor(start: number, schedule: (time: number, event: DemoEvent) => void) {
    this.#time = start;
    this.#schedule = schedule;
  }

  get time(): number {
    return this.#time;
  }

  wait(ms: number): this {
    this.#time += Math.max(0, ms);
    return this;
  }

  /** Schedules `data` (a fresh object: it is stamped in place). */
  emit(stream: string, data: Record<string, unknown>): this {
    data['ts'] = Math.floor(this.#time);
    this.#schedule(this.#time, { stream, data });
    return this;
  }
}

/** A point within `km` kilometres (roughly) of the city centre. */
function near(rng: Random, city: City, km: number): { lat: number; lon: number } {
  const dLat = (rng.between(-1, 1) * km) / 111;
  const dLon = (rng.between(-1, 1) * km) / (111 * Math.cos((city.lat * Math.PI) / 180));
  return { lat: Math.round((city.lat + dLat) * 1e5) / 1e5, lon: Math.round((city.lon + dLon) * 1e5) / 1e5 };
}

/**
 * A card authorisation (Txn). Card-present payments (POS, ATM) are located at a terminal in
 * `where` (the holder's city by default); card-not-present ones (ECOM, MOTO) carry the
 * merchant's country and no location. The amount is in the card's billing currency, GBP.
 */
export function txn(ctx: ScenarioContext, card: Card, merchant: Merchant, amount: number, channel: Channel, where: City = card.city): Record<string, unknown> {
  const present = channel === 'POS' || channel === 'ATM';
  const at = present ? near(ctx.rng, where, 8) : undefined;
  return {
    txn_id: ctx.txnId(),
    card: card.token,
    amount: cents(Math.max(0.01, amount)),
    currency: 'GBP',
    merchant: merchant.name,
    mcc: merchant.mcc,
    country: present ? where.country : (merchant.country ?? 'GB'),
    city: present ? where.name : null,
    lat: at?.lat ?? null,
    lon: at?.lon ?? null,
    channel,
  };
}

/** An ATM of `city`: one of a few machines per operator. */
export function atm(rng: Random, city: City): Merchant {
  return { name: `${rng.pick(ATM_OPERATORS)} ATM ${city.name} #${rng.int(1, 40)}`, mcc: '6011', median: 100 };
}


/** A print of `q` on the tape (Trade). */
export function trade(rng: Random, q: Quoted, price: number, volume: number): Record<string, unknown> {
  return { symbol: q.info.symbol, price: cents(price), volume: Math.max(0, Math.round(volume)), venue: rng.pick(VENUES) };
}

/**
 * A top-of-book quote of `q` around `mid` (Quote): the spread is `spreadBps` of the mid price,
 * in whole ticks of one cent, at least one tick.
 */
export function quote(q: Quoted, mid: number, spreadBps: number): Record<string, unknown> {
  const ticks = Math.max(1, Math.round((mid * spreadBps) / 100));
  const bid = Math.floor(mid * 100 - ticks / 2) / 100;
  return { symbol: q.info.symbol, bid: Math.max(0.01, bid), ask: cents(Math.max(0.01, bid) + ticks / 100) };
}

/**
 * What undeploying and dropping leave behind (LANGUAGE.md section 9), and the arrival numbers of
 * events delivered around derived streams (section 3): found by a conformance review.
 */
import { describe, expect, it } from 'vitest';
import { Engine, type EngineOptions } from '../../../src/index.js';

function engine(options: EngineOptions = {}) {
  const e = new Engine(options);
  const out: string[] = [];
  const subscribed = new Set<string>();
  const deploy = (script: string) => {
    const r = e.deploy(script);
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
    for (const name of r.deployment.queries.filter((q) => !subscribed.has(q))) {
      subscribed.add(name);
      e.subscribe(name, (ev) => out.push(`${ev.stream}@${ev.time} ${JSON.stringify(ev.data)}`));
    }
    return r.deployment;
  };
  return { e, out, deploy };
}

const S = "CREATE STREAM S (k STRING, ts TIMESTAMP) WITH (timestamp = 'ts');";
const TIMED = `CREATE STREAM w AS SELECT k, COUNT(*) AS n FROM S WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY k;
CREATE STREAM p AS SELECT a.k FROM PATTERN a=S -> NOT S[k = 'stop'] WITHIN 1 SECOND;
CREATE STREAM lj AS SELECT a.k, b.k AS bk FROM S a LEFT JOIN S b WITHIN 1 SECOND ON a.k = b.k AND a.ts < b.ts;`;

describe('undeploy and DROP', () => {
  it("cancel the timers of the queries they remove: no window row, trailing NOT or LEFT JOIN row comes after, and a snapshot still works", () => {
    const { e, out, deploy } = engine();
    deploy(S);
    const timed = deploy(TIMED);
    e.push('S', { k: 'a', ts: 100 });
    expect(e.undeploy(timed)).toEqual({ ok: true });
    e.push('S', { k: 'x', ts: 5000 });
    expect(() => e.snapshot()).not.toThrow();
    e.end();
    expect(out).toEqual([]);
  });

  it("a dropped query's timer does not emit into the stream created again under its name", () => {
    const { e, out, deploy } = engine();
    deploy(S);
    deploy('CREATE STREAM w AS SELECT k, COUNT(*) AS n FROM S WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY k;');
    e.push('S', { k: 'old', ts: 100 });
    deploy(`DROP STREAM w;
CREATE STREAM w AS SELECT k, COUNT(*) AS n FROM S WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;
CREATE STREAM alerts AS SELECT k, n FROM w;`);
    e.push('S', { k: 'new', ts: 200 });
    e.end();
    expect(out).toEqual(['w@10000 {"k":"new","n":1}', 'alerts@10000 {"k":"new","n":1}']);
  });

  it('events of a dropped stream waiting for the watermark do not reach the stream created again under its name', () => {
    const { e, out, deploy } = engine({ lateness: 1000 });
    deploy("CREATE STREAM S (a INT, ts TIMESTAMP) WITH (timestamp = 'ts');");
    e.push('S', { a: 1, ts: 100 });
    expect(e.stats().waiting).toBe(1);
    deploy(`DROP STREAM S; CREATE STREAM S (a STRING, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM o AS SELECT a, UPPER(a) AS up FROM S;`);
    expect(e.stats().waiting).toBe(0);
    e.push('S', { a: 'x', ts: 200 });
    e.end();
    expect(out).toEqual(['o@200 {"a":"x","up":"X"}']);
    expect(e.stats().faults).toBe(0);
  });

  it('undeploying a deployment leaves alone a stream that a later deployment dropped and made again', () => {
    const { e, deploy } = engine();
    const first = deploy("CREATE STREAM A (x INT, ts TIMESTAMP) WITH (timestamp = 'ts');");
    deploy("DROP STREAM A; CREATE STREAM A (y STRING, ts TIMESTAMP) WITH (timestamp = 'ts');");
    const reader = deploy('CREATE STREAM q AS SELECT y FROM A;');
    // The first deployment owns nothing that q reads any more.
    expect(e.undeploy(first)).toEqual({ ok: true });
    expect(e.undeploy(reader)).toEqual({ ok: true });
    expect(e.catalog().get('A')?.schema.columns.map((c) => c.name)).toEqual(['y', 'ts']);
    const rejected: unknown[] = [];
    e.subscribe('_rejected', (ev) => rejected.push(ev.data));
    e.push('A', { y: 'hello', ts: 1 });
    expect(rejected).toEqual([]);
  });

  it('a replica (a Kafka partition\'s engine) is made after a deployment whose name a later one dropped and made again was undeployed', () => {
    const { e, deploy } = engine();
    const first = deploy("CREATE STREAM A (x INT, ts TIMESTAMP) WITH (timestamp = 'ts');");
    deploy("DROP STREAM A; CREATE STREAM A (y STRING, ts TIMESTAMP) WITH (timestamp = 'ts');\nCREATE STREAM q AS SELECT y FROM A;");
    expect(e.undeploy(first)).toEqual({ ok: true });
    // Replaying the live deployments, the DROP finds no A: passed over (it threw 'unknown stream').
    const replica = e.replica();
    expect(replica.catalog().get('A')?.schema.columns.map((c) => c.name)).toEqual(['y', 'ts']);
    const out: unknown[] = [];
    replica.subscribe('q', (ev) => out.push(ev.data));
    replica.push('A', { y: 'hello', ts: 1 });
    expect(out).toEqual([{ y: 'hello' }]);
    // Deploying by hand still reports a DROP of a name that does not exist.
    expect(replica.deploy('DROP STREAM nope;').ok).toBe(false);
  });
});

describe('arrival numbers around derived streams', () => {
  it('AFTER MATCH SKIP PAST LAST EVENT over a derived stream emits no overlapping match', () => {
    const { e, out, deploy } = engine();
    deploy(`CREATE STREAM Txn (id INT, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM big AS SELECT id, amount FROM Txn WHERE amount > 100;`);
    deploy('CREATE STREAM p AS SELECT a.id AS big_id, COUNT(b) AS n, LAST(b.id) AS last_id FROM PATTERN a=big -> b=Txn+ WITHIN 1 MINUTE AFTER MATCH SKIP PAST LAST EVENT;');
    // big's event is processed as soon as Txn 1 makes it (section 3), so p sees it before Txn 1.
    e.push('Txn', { id: 1, amount: 500, ts: 1000 });
    e.push('Txn', { id: 2, amount: 5, ts: 2000 });
    e.push('Txn', { id: 3, amount: 5, ts: 3000 });
    e.end();
    expect(out.filter((o) => o.startsWith('p@'))).toEqual(['p@1000 {"big_id":1,"n":1,"last_id":1}']);
  });
});

describe('events pushed while an event is processed', () => {
  it('wait until it is done, so that events stay in time order and no window row is lost', () => {
    const { e, out, deploy } = engine();
    deploy(`CREATE STREAM S (id INT, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM a AS SELECT id, ts FROM S WHERE id = 1;
CREATE STREAM b AS SELECT id, ts FROM S;
CREATE STREAM c AS SELECT COUNT(*) AS n, WINDOW_START AS ws FROM S WINDOW TUMBLING (SIZE 10 MILLISECONDS);`);
    // A subscriber of `a` pushes a follow-up event while event 1 is still being delivered.
    e.subscribe('a', () => e.push('S', { id: 11, ts: 16 }));
    e.push('S', { id: 1, ts: 1 });
    e.end();
    expect(out).toEqual(['a@1 {"id":1,"ts":1}', 'b@1 {"id":1,"ts":1}', 'c@10 {"n":1,"ws":0}', 'b@16 {"id":11,"ts":16}', 'c@20 {"n":1,"ws":10}']);
    expect(e.stats().eventsIn).toBe(2);
  });
});

/**
 * The web console in Chromium (playwright-core driving Debian's /usr/bin/chromium, never a
 * downloaded browser): a script with errors shows every diagnostic with its line and marks the
 * line in the editor; the fixed script deploys and its queries are listed; the console subscribes
 * to the output stream and the events published (from Node and from the console's publish box)
 * appear in the events table, newest first. Leaves a screenshot in docs/console.png.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CepheusClient, Engine } from '../../src/index.js';
import { CepheusServer } from '../../src/server/server.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '../..');
const SCREENSHOTS = [join(ROOT, 'docs/console.png'), join(ROOT, 'test/browser/artifacts/console.png')];
const TIMEOUT = 30_000;
const TOKEN = 'sesame-0123456789';
const READ_TOKEN = 'peek-9876543210';

// Debian's Chromium is a requirement of the test suite (.ci/run installs it): without it this
// file fails, saying how to install it; it never downloads a browser and never skips.
if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's Chromium (apt-get install chromium) to run the web console's browser test`);

const STREAMS = `-- card transactions
CREATE STREAM Txn (card STRING NOT NULL, amount DOUBLE, merchant STRING, ts TIMESTAMP) WITH (timestamp = 'ts');
`;
/** Two errors: an unknown column on line 4, an unknown stream on line 6. */
const BROKEN = `${STREAMS}
CREATE STREAM big AS SELECT card, amout, merchant FROM Txn WHERE amount > 100;

CREATE STREAM tiny AS SELECT card FROM Txm WHERE amount < 1;
`;
const FIXED = `${STREAMS}
/* large charges, for the analyst's list */
CREATE STREAM big AS SELECT card, amount, merchant FROM Txn WHERE amount > 100;

CREATE STREAM per_card AS
SELECT card, COUNT(*) AS n, SUM(amount) AS total
FROM Txn WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY card;
`;

const T0 = Date.parse('2024-05-01T09:00:00Z');
const TXNS = [
  { card: 'c-1001', amount: 42.5, merchant: 'Corner Café', ts: T0 },
  { card: 'c-1002', amount: 149.99, merchant: 'Electro World', ts: T0 + 4_000 },
  { card: 'c-1003', amount: 12, merchant: 'Bakery', ts: T0 + 9_000 },
  { card: 'c-1001', amount: 980, merchant: 'Jewels & Co', ts: T0 + 15_000 },
  { card: 'c-1004', amount: 310.4, merchant: 'Air Tickets', ts: T0 + 21_000 },
  { card: 'c-1002', amount: 99.99, merchant: 'Books', ts: T0 + 30_000 },
];

describe('web console in Chromium', () => {
  let server: CepheusServer | undefined;
  let browser: Browser | undefined;
  let secured: CepheusServer | undefined;
  let client: CepheusClient | undefined;
  let page: Page;

  beforeAll(async () => {
    server = await CepheusServer.start({ engine: new Engine(), port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.setDefaultTimeout(TIMEOUT);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForSelector('#conn-status[data-state="ok"]');
    expect(errors).toEqual([]);
  }, 60_000);

  afterAll(async () => {
    await client?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.close();
    await secured?.close();
  });

  it('lists every diagnostic of a broken script and marks its lines', async () => {
    await page.fill('#editor', BROKEN);
    await page.click('#deploy');
    const diagnostics = page.locator('[data-testid="diagnostic"]');
    await expect.poll(() => diagnostics.count(), { timeout: TIMEOUT }).toBe(2);
    const first = diagnostics.nth(0);
    expect(await first.getAttribute('data-code')).toBe('CQL2002');
    expect(await first.locator('[data-testid="diagnostic-position"]').textContent()).toBe('4:35');
    expect(await first.textContent()).toContain("unknown column 'amout'");
    expect(await first.textContent()).toContain("did you mean 'amount'?");
    expect(await diagnostics.nth(1).getAttribute('data-line')).toBe('6');
    // The gutter marks lines 4 and 6; the ranges are underlined in the highlighted text.
    const marked = await page.locator('[data-testid="gutter-error"]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-line')));
    expect(marked).toEqual(['4', '6']);
    expect(await page.locator('#highlight .squiggle').allTextContents()).toEqual(['amout', 'Txm']);
    expect(await page.locator('#deploy-status').textContent()).toMatch(/2 errors/);
    // Clicking a position selects the range in the editor.
    await first.locator('[data-testid="diagnostic-position"]').click();
    const selected = await page.$eval('#editor', (e) => {
      const t = e as unknown as { value: string; selectionStart: number; selectionEnd: number };
      return t.value.slice(t.selectionStart, t.selectionEnd);
    });
    expect(selected).toBe('amout');
  });

  it('deploys the fixed script (Ctrl+Enter) and lists its queries and streams', async () => {
    await page.fill('#editor', FIXED);
    expect(await page.locator('[data-testid="gutter-error"]').count()).toBe(0);
    await page.press('#editor', 'Control+Enter');
    await page.waitForSelector('[data-testid="query-row"][data-name="big"]');
    await page.waitForSelector('[data-testid="query-row"][data-name="per_card"]');
    expect(await page.locator('[data-testid="diagnostic"]').count()).toBe(0);
    expect(await page.locator('#deploy-status').getAttribute('data-state')).toBe('ok');
    await page.waitForSelector('[data-testid="stream"][data-name="Txn"]');
    expect(await page.locator('[data-testid="stream"][data-name="Txn"] .columns').textContent()).toContain('card STRING NOT NULL');
  });

  it('shows the plan of a query', async () => {
    await page.click('[data-testid="query-row"][data-name="big"] [data-testid="plan"]');
    await page.waitForSelector('#plan-panel:not([hidden])');
    expect((await page.locator('#plan-text').textContent())?.length).toBeGreaterThan(10);
    expect(await page.locator('#plan-title').textContent()).toBe('Plan of big');
  });

  it('subscribes to the output stream and shows the matches, newest first', async () => {
    await page.waitForSelector('#subscribe-stream option[value="big"]', { state: 'attached' });
    await page.selectOption('#subscribe-stream', 'big');
    await page.click('#subscribe');
    await page.waitForSelector('#subscribe[data-state="subscribed"]');

    client = await CepheusClient.connect(server!.url);
    expect(await client.publish('Txn', TXNS)).toEqual({ accepted: 6, rejected: 0 });

    const rows = page.locator('#events tbody tr');
    await expect.poll(() => rows.count(), { timeout: TIMEOUT }).toBe(3);
    expect(await page.locator('#events thead th').allTextContents()).toEqual(['time', 'card', 'amount', 'merchant']);
    expect(await rows.nth(0).locator('td').allTextContents()).toEqual([new Date(T0 + 21_000).toISOString(), 'c-1004', '310.4', 'Air Tickets']);
    expect(await rows.nth(2).locator('td').allTextContents()).toEqual([new Date(T0 + 4_000).toISOString(), 'c-1002', '149.99', 'Electro World']);
    expect(await page.locator('#event-count').textContent()).toBe('3');

    // One more through the console's publish box.
    await page.selectOption('#publish-stream', 'Txn');
    await page.fill('#publish-json', JSON.stringify({ card: 'c-1005', amount: 777, merchant: 'Gift Cards Online', ts: T0 + 40_000 }, null, 2));
    await page.click('#publish');
    await page.waitForSelector('#publish-status[data-state="ok"]');
    await expect.poll(() => rows.count(), { timeout: TIMEOUT }).toBe(4);
    expect(await rows.nth(0).locator('td').nth(1).textContent()).toBe('c-1005');
    expect(await page.locator('#event-count').textContent()).toBe('4');

    // The outputs counter of the query follows (the list refreshes every second).
    const outputs = page.locator('[data-testid="query-row"][data-name="big"] [data-field="outputs"]');
    await expect.poll(() => outputs.textContent(), { timeout: TIMEOUT }).toBe('4');
  });

  it('pauses the table without losing count', async () => {
    await page.click('#pause');
    await client!.publish('Txn', { card: 'c-1006', amount: 512, merchant: 'Travel', ts: T0 + 50_000 });
    await expect.poll(() => page.locator('#event-count').textContent(), { timeout: TIMEOUT }).toBe('5');
    expect(await page.locator('#events tbody tr').count()).toBe(4);
    await page.click('#pause');
    await expect.poll(() => page.locator('#events tbody tr').count(), { timeout: TIMEOUT }).toBe(5);
  });

  it('leaves a screenshot of the console showing matches', async () => {
    // A busier table for the picture: a few more minutes of card traffic, 7 of them large.
    const merchants = ['Grocer', 'Fuel Station', 'Online Games', 'Hotel Lumen', 'Laptop Store', 'Taxi', 'Fashion Hub', 'Cinema'];
    const more = Array.from({ length: 16 }, (_, i) => ({
      card: `c-${1010 + ((i * 7) % 9)}`,
      amount: i % 2 === 0 ? 120 + ((i * 137.3) % 900) : 8 + ((i * 13.7) % 80),
      merchant: merchants[i % merchants.length]!,
      ts: T0 + 70_000 + i * 6_500,
    }));
    await client!.publish('Txn', more.map((t) => ({ ...t, amount: Math.round(t.amount * 100) / 100 })));
    await expect.poll(() => page.locator('#events tbody tr').count(), { timeout: TIMEOUT }).toBe(13);
    const outputs = page.locator('[data-testid="query-row"][data-name="big"] [data-field="outputs"]');
    await expect.poll(() => outputs.textContent(), { timeout: TIMEOUT }).toBe('13');
    await page.fill('#publish-json', JSON.stringify({ card: 'c-1007', amount: 64.2, merchant: 'Pharmacy', ts: T0 + 60_000 }, null, 2));
    await page.evaluate('document.activeElement?.blur()');
    await page.mouse.move(0, 0);
    for (const file of SCREENSHOTS) {
      mkdirSync(dirname(file), { recursive: true });
      await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
      expect(existsSync(file)).toBe(true);
    }
  });

  it('undeploys a query', async () => {
    await page.click('[data-testid="query-row"][data-name="per_card"] [data-testid="undeploy"]');
    await page.waitForSelector('[data-testid="query-row"]', { state: 'detached' });
    expect(await page.locator('#deploy-status').textContent()).toMatch(/Undeployed #\d+/);
  });

  it('asks a secured server for a token, keeps it for the session and honours read-only access', async () => {
    secured = await CepheusServer.start({ engine: new Engine(), port: 0, tokens: [TOKEN], readOnlyTokens: [READ_TOKEN] });
    const context = await browser!.newContext();
    try {
      const p = await context.newPage();
      p.setDefaultTimeout(TIMEOUT);
      await p.goto(secured.url);
      await p.waitForSelector('#conn-status[data-state="error"]');
      expect(await p.locator('#conn-status').textContent()).toContain('unauthorized');
      expect(await p.locator('#deploy').isDisabled()).toBe(true);

      await p.fill('#token', READ_TOKEN);
      await p.click('#connect');
      await p.waitForSelector('#conn-status[data-state="ok"]');
      expect(await p.locator('#conn-status').textContent()).toBe('connected, read-only');
      expect(await p.locator('#deploy').isDisabled()).toBe(true);
      expect(await p.locator('#publish').isDisabled()).toBe(true);
      expect(await p.locator('#subscribe').isDisabled()).toBe(false);

      await p.fill('#token', TOKEN);
      await p.click('#connect');
      await p.waitForSelector('#conn-status:text-is("connected")');
      expect(await p.locator('#deploy').isDisabled()).toBe(false);
      // A reload connects again with the token kept in sessionStorage.
      await p.reload();
      await p.waitForSelector('#conn-status:text-is("connected")');
      expect(await p.inputValue('#token')).toBe(TOKEN);
    } finally {
      await context.close();
    }
  });
});

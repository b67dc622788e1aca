import { test, expect, type Response } from '@playwright/test';
import { LABELS, login, openReleaseListFromMenu, search, hydrated, text, format, pattern } from './helpers';

/** The list's range, "first–last de total", in Spanish. */
const range = (first: number, last: number, total: number) => format('es', 'list.range', { first, last, total });

test('ana logs in, finds releases, pages, and switches to Portuguese without losing her search', async ({ page }) => {
  await login(page, 'ana', 'es');
  await openReleaseListFromMenu(page, 'es');
  const table = page.getByRole('table');

  const firstPage = pattern('es', 'list.range', { first: 1, last: 25, total: /(\d+)/ });
  await expect(page.getByText(firstPage)).toBeVisible();
  const total = Number((await page.getByText(firstPage).textContent())!.match(firstPage)![1]);
  expect(total).toBeGreaterThanOrEqual(30);

  // By number.
  await search(page, 'es', '7');
  await expect(page.getByText(range(1, 1, 1))).toBeVisible();
  await expect(table.getByRole('rowheader', { name: '7', exact: true })).toBeVisible();

  // By a word of the title, typed without its accent.
  await search(page, 'es', 'migracion');
  await expect(table.getByRole('row').nth(1)).toContainText('Migración');
  const titles = await table.locator('.task-title').allTextContents();
  expect(titles.length).toBeGreaterThan(0);
  for (const title of titles) expect(title).toContain('Migración');

  // Paging forward.
  await search(page, 'es', '');
  await expect(page.getByText(range(1, 25, total))).toBeVisible();
  await page.getByRole('link', { name: LABELS.es.next }).click();
  await expect(page.getByText(range(26, Math.min(50, total), total))).toBeVisible();

  // Switch language with text typed (not submitted) in the search field.
  const field = page.getByRole('searchbox', { name: LABELS.es.search });
  await field.fill('texto sin enviar');
  await page.getByRole('button', { name: text('es', 'header.lang_pt'), exact: true }).click();
  await expect(page.getByRole('heading', { name: LABELS.pt.listTitle })).toBeVisible();
  await expect(page.getByLabel(LABELS.pt.status, { exact: true })).toBeVisible();
  await expect(page.getByRole('searchbox', { name: LABELS.pt.search })).toHaveValue('texto sin enviar');
  await expect(page.locator('html')).toHaveAttribute('lang', 'pt');

  // The choice is kept: the server renders the next page in Portuguese.
  await page.reload();
  await expect(page.getByRole('heading', { name: LABELS.pt.listTitle })).toBeVisible();
  await hydrated(page);
  await page.getByRole('button', { name: text('pt', 'header.lang_es'), exact: true }).click();
  await expect(page.getByRole('heading', { name: LABELS.es.listTitle })).toBeVisible();
});

test.describe('a first visit with Accept-Language pt-BR', () => {
  test.use({ locale: 'pt-BR' });

  test('is served in Portuguese', async ({ page }) => {
    const response = await page.goto('/login');
    const html = await response!.text();
    expect(html).toContain(LABELS.pt.username);
    await expect(page.getByLabel(LABELS.pt.username, { exact: true })).toBeVisible();
    await expect(page.getByLabel(LABELS.pt.password, { exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: LABELS.pt.enter })).toBeVisible();
  });
});

test('an anonymous visitor of the list is sent to log in', async ({ page }) => {
  await page.goto('/releases');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByLabel(LABELS.es.password, { exact: true })).toBeVisible();
});

test('the app\'s files reach the browser compressed, and are checked again at each visit', async ({ page }) => {
  const files = new Map<string, Response>();
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname;
    if (path.startsWith('/pkg/releasedesk.')) files.set(path, response);
  });
  await login(page, 'ana', 'es');
  for (const path of ['/pkg/releasedesk.wasm', '/pkg/releasedesk.js', '/pkg/releasedesk.css']) {
    const response = files.get(path);
    expect(response, `${path} was downloaded`).toBeDefined();
    const headers = await response!.allHeaders();
    expect(headers['content-encoding'], path).toMatch(/^(br|gzip)$/);
    expect(headers['vary'], path).toContain('accept-encoding');
    // Their names stay the same from one version to the next: never used unchecked.
    expect(headers['cache-control'], path).toBe('no-cache');
    const { responseBodySize } = await response!.request().sizes();
    expect(responseBodySize, path).toBeLessThan((await response!.body()).length / 2);
  }
});

import { test, expect } from '@playwright/test';
import { LABELS, login, openReleaseListFromMenu, search, hydrated } from './helpers';

test('ana logs in, finds releases, pages, and switches to Portuguese without losing her search', async ({ page }) => {
  await login(page, 'ana', 'es');
  await openReleaseListFromMenu(page, 'es');
  const table = page.getByRole('table');

  await expect(page.getByText(/^1–25 de \d+$/)).toBeVisible();
  const total = Number((await page.getByText(/^1–25 de \d+$/).textContent())!.split(' de ')[1]);
  expect(total).toBeGreaterThanOrEqual(30);

  // By number.
  await search(page, 'es', '7');
  await expect(page.getByText('1–1 de 1')).toBeVisible();
  await expect(table.getByRole('rowheader', { name: '7', exact: true })).toBeVisible();

  // By a word of the title, typed without its accent.
  await search(page, 'es', 'migracion');
  await expect(table.getByRole('row').nth(1)).toContainText('Migración');
  const titles = await table.locator('.task-title').allTextContents();
  expect(titles.length).toBeGreaterThan(0);
  for (const title of titles) expect(title).toContain('Migración');

  // Paging forward.
  await search(page, 'es', '');
  await expect(page.getByText(`1–25 de ${total}`)).toBeVisible();
  await page.getByRole('link', { name: LABELS.es.next }).click();
  await expect(page.getByText(`26–${Math.min(50, total)} de ${total}`)).toBeVisible();

  // Switch language with text typed (not submitted) in the search field.
  const field = page.getByRole('searchbox', { name: LABELS.es.search });
  await field.fill('texto sin enviar');
  await page.getByRole('button', { name: 'PT', exact: true }).click();
  await expect(page.getByRole('heading', { name: LABELS.pt.listTitle })).toBeVisible();
  await expect(page.getByLabel(LABELS.pt.status, { exact: true })).toBeVisible();
  await expect(page.getByRole('searchbox', { name: LABELS.pt.search })).toHaveValue('texto sin enviar');
  await expect(page.locator('html')).toHaveAttribute('lang', 'pt');

  // The choice is kept: the server renders the next page in Portuguese.
  await page.reload();
  await expect(page.getByRole('heading', { name: LABELS.pt.listTitle })).toBeVisible();
  await hydrated(page);
  await page.getByRole('button', { name: 'ES', exact: true }).click();
  await expect(page.getByRole('heading', { name: LABELS.es.listTitle })).toBeVisible();
});

test.describe('a first visit with Accept-Language pt-BR', () => {
  test.use({ locale: 'pt-BR' });

  test('is served in Portuguese', async ({ page }) => {
    const response = await page.goto('/login');
    const html = await response!.text();
    expect(html).toContain('Usuário');
    await expect(page.getByLabel('Usuário', { exact: true })).toBeVisible();
    await expect(page.getByLabel('Senha', { exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Entrar' })).toBeVisible();
  });
});

test('an anonymous visitor of the list is sent to log in', async ({ page }) => {
  await page.goto('/releases');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByLabel('Contraseña', { exact: true })).toBeVisible();
});

import { test, expect, type Page } from '@playwright/test';
import { expectAccessible, format, hydrated, localized, login, text } from './helpers';

const TZ = localized({
  useBrowser: 'time_zone.use_browser', field: 'time_zone.field', save: 'time_zone.save', title: 'time_zone.title',
  language: 'time_zone.language', portuguese: 'catalogue.lang_pt', search: 'admin.search', apply: 'list.apply',
  action: 'list.action', edit: 'admin.edit', saveUser: 'admin.save', logout: 'header.logout',
});

/** dd/mm/yyyy HH:mm read as UTC, moved by `hours`, written back the same way. */
function shifted(shown: string, hours: number): string {
  const [, d, m, y, hh, mm] = shown.match(/^(\d\d)\/(\d\d)\/(\d{4}) (\d\d):(\d\d)$/)!;
  const at = new Date(Date.UTC(+y, +m - 1, +d, +hh, +mm) + hours * 3_600_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(at.getUTCDate())}/${two(at.getUTCMonth() + 1)}/${at.getUTCFullYear()} ${two(at.getUTCHours())}:${two(at.getUTCMinutes())}`;
}

/** The creation time shown in the list's first row. */
function firstCreated(page: Page) {
  return page.getByRole('table').getByRole('row').nth(1).getByRole('cell').nth(1);
}

// A user of each language in a browser set to São Paulo's time (UTC-3), on the demo, whose
// users have no zone yet: the server's default (UTC) holds until they take one.
for (const [lang, user] of [['es', 'lucia'], ['pt', 'pedro']] as const) {
  test.describe(`time zones in ${lang}`, () => {
    test.use({ locale: lang === 'es' ? 'es-ES' : 'pt-BR', timezoneId: 'America/Sao_Paulo' });
    const t = TZ[lang];

    test('the browser zone is proposed at the first login, and dates then show in it', async ({ page }) => {
      await login(page, user, lang);
      await page.goto('/releases?scope=all');
      await hydrated(page);
      const proposal = page.getByText(format(lang, 'time_zone.proposal', { zone: 'America/Sao_Paulo' }));
      await expect(proposal).toBeVisible();
      await expectAccessible(page, 'time-zone proposal');
      const utc = (await firstCreated(page).textContent())!.trim();
      expect(utc).toMatch(/^\d\d\/\d\d\/\d{4} \d\d:\d\d$/);

      await page.getByRole('button', { name: t.useBrowser }).click();
      await expect(proposal).toBeHidden();
      await expect(firstCreated(page)).toHaveText(shifted(utc, -3));
      // The server renders the next page in the zone too.
      await page.reload();
      await hydrated(page);
      await expect(firstCreated(page)).toHaveText(shifted(utc, -3));
      await expect(proposal).toBeHidden();

      // On the account page: the zone chosen, an unknown one refused, another one taken.
      await page.goto('/account');
      await hydrated(page);
      await expect(page.getByRole('heading', { name: t.title })).toBeVisible();
      const field = page.getByRole('combobox', { name: t.field, exact: true });
      await expect(field).toHaveValue('America/Sao_Paulo');
      await field.fill('Marte/Olimpo');
      await page.getByRole('button', { name: t.save }).click();
      await expect(page.getByRole('alert')).toHaveText(format(lang, 'error.unknown', { field: text(lang, 'time_zone.field') }));
      await field.fill('Europe/Lisbon');
      await page.getByRole('button', { name: t.save }).click();
      await expect(page.getByRole('status')).toHaveText(format(lang, 'time_zone.saved', { zone: 'Europe/Lisbon' }));
      await expectAccessible(page, 'account page');
      await page.goto('/releases?scope=all');
      await hydrated(page);
      // Lisbon in winter is UTC, in summer UTC+1.
      const lisbon = (await firstCreated(page).textContent())!.trim();
      expect([utc, shifted(utc, 1)]).toContain(lisbon);
    });
  });
}

test.describe('a zone and a language given by an administrator', () => {
  test.use({ locale: 'es-ES', timezoneId: 'UTC' });
  const t = TZ.es;

  test('the user sees the pages in their language and the dates in their zone from their login', async ({ page, browser }) => {
    await login(page, 'admin', 'es');
    await page.goto('/admin/users');
    await hydrated(page);
    await page.getByRole('searchbox', { name: t.search }).fill('consultor');
    await page.getByRole('button', { name: t.apply }).click();
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'consultor', exact: true }) });
    await row.getByRole('button', { name: t.action }).click();
    await page.getByRole('menuitem', { name: t.edit }).click();
    const form = page.getByRole('dialog');
    await form.getByRole('combobox', { name: t.field, exact: true }).fill('Asia/Tokyo');
    await form.getByLabel(t.language, { exact: true }).selectOption({ label: t.portuguese });
    await expectAccessible(page, 'user form with zone and language');
    await form.getByRole('button', { name: t.saveUser }).click();
    await expect(form).toBeHidden();
    await page.goto('/releases?scope=all');
    await hydrated(page);
    const utc = (await firstCreated(page).textContent())!.trim();

    // A browser in Spanish and UTC: the pages come in Portuguese, the dates in Tokyo's time.
    const theirs = await browser.newContext({ locale: 'es-ES', timezoneId: 'UTC' });
    const them = await theirs.newPage();
    await login(them, 'consultor', 'es');
    await expect(them.getByRole('button', { name: TZ.pt.logout })).toBeVisible();
    await them.goto('/releases?scope=all');
    await hydrated(them);
    await expect(them.locator('html')).toHaveAttribute('lang', 'pt');
    await expect(them.getByRole('button', { name: TZ.pt.logout })).toBeVisible();
    await expect(firstCreated(them)).toHaveText(shifted(utc, 9));
    await theirs.close();
  });
});

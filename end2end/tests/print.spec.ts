import { test, expect } from '@playwright/test';
import { expectAccessible, formLive, format, login, text } from './helpers';

for (const lang of ['es', 'pt'] as const) {
  test.describe(`printing a release in ${lang}`, () => {
    test.use({ locale: lang === 'es' ? 'es-ES' : 'pt-BR' });

    test('the print page holds the data, closure, relations, log and flow, and paper shows no navigation or button', async ({ page }) => {
      await login(page, 'gestor', lang);
      await page.goto('/releases?status=closed');
      const number = (await page.getByRole('table').getByRole('rowheader').first().textContent())!.trim();
      await page.goto(`/releases/${number}`);
      await formLive(page);
      await page.getByRole('link', { name: text(lang, 'print.open') }).click();
      await expect(page).toHaveURL(new RegExp(`/releases/${number}/print$`));
      await expect(page.getByRole('heading', { level: 1, name: format(lang, 'form.heading', { number }) })).toBeVisible();
      for (const key of ['form.data', 'closure.title', 'relations.title', 'log.title', 'flow.view']) {
        await expect(page.getByRole('heading', { level: 2, name: text(lang, key) })).toBeVisible();
      }
      await expect(page.getByRole('heading', { level: 3, name: text(lang, 'relations.problems') })).toBeVisible();
      await expect(page.getByRole('table', { name: text(lang, 'log.title') }).locator('tbody tr').first()).toBeVisible();
      await expect(page.locator('svg.flow-diagram')).toBeVisible();
      await expect(page.getByRole('button', { name: text(lang, 'print.print') })).toBeVisible();
      await expectAccessible(page, 'the print page');

      await page.emulateMedia({ media: 'print' });
      await expect(page.getByRole('button', { name: text(lang, 'print.print') })).toBeHidden();
      await expect(page.getByRole('navigation', { name: text(lang, 'menu.main') })).toBeHidden();
      await expect(page.getByRole('heading', { level: 2, name: text(lang, 'log.title') })).toBeVisible();
      expect(await page.locator('button:visible, a.button:visible').count()).toBe(0);
    });
  });
}

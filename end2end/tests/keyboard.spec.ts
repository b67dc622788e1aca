import { test, expect, type Page, type Locator } from '@playwright/test';
import { LABELS, PASSWORD, hydrated, listLive, formLive } from './helpers';

/** Presses Tab until `target` has the focus, as a keyboard user moves through the page. */
async function tabTo(page: Page, target: Locator, limit = 120) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
  }
  throw new Error(`could not reach ${target} with Tab`);
}

for (const lang of ['es', 'pt'] as const) {
  test.describe(`keyboard only in ${lang}`, () => {
    test.use({ locale: lang === 'es' ? 'es-ES' : 'pt-BR' });
    const l = LABELS[lang];

    test('the seed procedure with the keyboard alone', async ({ page }) => {
      const user = lang === 'es' ? 'ana' : 'joao';
      await page.goto('/login');
      await hydrated(page);
      await tabTo(page, page.getByLabel(l.username, { exact: true }));
      await page.keyboard.type(user);
      await page.keyboard.press('Tab');
      await page.keyboard.type(PASSWORD);
      await page.keyboard.press('Enter');
      await expect(page).toHaveURL(/\/releases/);
      await hydrated(page);

      // 1. Processes > Release Management > Release.
      await tabTo(page, page.getByRole('button', { name: l.processes }));
      await page.keyboard.press('Enter');
      await tabTo(page, page.getByRole('menuitem', { name: l.management }));
      await page.keyboard.press('Enter');
      await tabTo(page, page.getByRole('menuitem', { name: l.release, exact: true }));
      await page.keyboard.press('Enter');
      await listLive(page);
      // 2. Filter to the group's waiting releases and open the first.
      await tabTo(page, page.getByLabel(l.status, { exact: true }));
      for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowDown'); // → Registrada → Aprobada
      await expect(page).toHaveURL(/status=approved/);
      await tabTo(page, page.getByLabel(l.scope, { exact: true }));
      // The rows read below must be those of "Mis grupos": wait for their answer, not
      // only for the rows of the previous filter to be live.
      const groupsListed = page.waitForResponse((answer) => answer.url().includes('/api/list_releases'));
      await page.keyboard.press('ArrowDown'); // "Todas" → "Mis grupos"
      await expect(page).toHaveURL(/scope=groups/);
      await groupsListed;
      await listLive(page);
      const number = (await page.getByRole('table').getByRole('rowheader').first().textContent())!.trim();
      const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: number, exact: true }) });
      await tabTo(page, row.getByRole('button', { name: l.open }));
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog');
      await expect(dialog).toBeVisible();
      await tabTo(page, dialog.getByRole('button', { name: l.confirm }), 10);
      await page.keyboard.press('Enter');
      await expect(page).toHaveURL(new RegExp(`/releases/${number}$`));
      await formLive(page);

      // 3. Closure: Resolved, a category, the useful information.
      const closure = page.getByRole('region', { name: l.closure });
      await tabTo(page, closure.getByRole('button', { name: l.resolved, exact: true }));
      await page.keyboard.press('Space');
      await expect(closure.getByRole('button', { name: l.resolved, exact: true })).toHaveAttribute('aria-pressed', 'true');
      await tabTo(page, closure.getByLabel(l.category));
      await page.keyboard.press('ArrowDown');
      await tabTo(page, closure.getByLabel(l.usefulInfo));
      await page.keyboard.type('Desplegado con el teclado.');

      // 5. The log opens and closes, and the focus returns to its button.
      const logButton = page.getByRole('button', { name: l.log, exact: true });
      await tabTo(page, logButton);
      await page.keyboard.press('Enter');
      await expect(page.getByRole('dialog', { name: l.log })).toBeVisible();
      await page.keyboard.press('Escape');
      await expect(page.getByRole('dialog', { name: l.log })).toBeHidden();
      await expect(logButton).toBeFocused();

      // 6. Options > Save and advance flow.
      await tabTo(page, page.getByRole('button', { name: l.options }));
      await page.keyboard.press('Enter');
      await expect(page.getByRole('menuitem', { name: l.saveAdvance })).toBeFocused();
      await page.keyboard.press('Enter');
      await expect(page).toHaveURL(/\/releases$/);
      await expect(page.getByRole('status').filter({ hasText: number })).toBeVisible();
    });
  });
}

import { test, expect, type Page } from '@playwright/test';
import { LABELS, type Language, expectAccessible, login, listLive, formLive, rowOf, text } from './helpers';

/** The relation tabs, in the form's order. */
const TAB_KEYS = [
  'relations.problems', 'relations.knowledge', 'relations.media', 'relations.roles', 'relations.changes', 'attachments.title',
  'relations.related',
];
const TABS = { es: TAB_KEYS.map((key) => text('es', key)), pt: TAB_KEYS.map((key) => text('pt', key)) };

async function closeDialog(page: Page, lang: Language) {
  await page.getByRole('dialog').getByRole('button', { name: LABELS[lang].close }).click();
  await expect(page.getByRole('dialog')).toBeHidden();
}

/** Opens the relation tab `tab`, searches its catalogue for `text` and links the first hit. */
async function linkFirstHit(page: Page, tab: string, text: string) {
  await page.getByRole('tab', { name: tab, exact: true }).click();
  const panel = page.getByRole('tabpanel', { name: tab, exact: true });
  const count = page.getByRole('tab', { name: tab, exact: true }).locator('.count');
  const before = Number(await count.textContent());
  await panel.locator('input[type="search"]').fill(text);
  await panel.locator('table.hits tr').first().getByRole('button').click();
  await expect(count).toHaveText(String(before + 1));
  return panel;
}

for (const lang of ['es', 'pt'] as const) {
  test.describe(`accessibility in ${lang}`, () => {
    test.use({ locale: lang === 'es' ? 'es-ES' : 'pt-BR' });
    // Each tour runs up to a dozen axe-core scans of whole pages: on a loaded 2-core machine
    // the first of a run (cold browser, cold wasm) has taken over the default minute.
    test.slow();
    const l = LABELS[lang];

    test('login, list, form, every tab and every dialog have no serious violation', async ({ page }) => {
      await page.goto('/login');
      await expectAccessible(page, 'login');
      await login(page, 'ana', lang);
      await listLive(page);
      await expectAccessible(page, 'list');

      // The action menu and its dialog, then the capture dialog.
      await page.goto('/releases?status=approved&scope=groups');
      await listLive(page);
      const number = (await page.getByRole('table').getByRole('rowheader').first().textContent())!.trim();
      const row = await rowOf(page, lang, number);
      await row.getByRole('button', { name: l.action }).click();
      await expectAccessible(page, 'action menu');
      await page.getByRole('menuitem', { name: l.delegate, exact: true }).click();
      await expect(page.getByRole('dialog').getByLabel(l.group)).toBeVisible();
      await expectAccessible(page, 'delegate dialog');
      await page.getByRole('dialog').getByRole('button', { name: l.dialogCancel, exact: true }).click();
      await expect(page.getByRole('dialog')).toBeHidden();
      await row.getByRole('button', { name: l.open }).click();
      await expect(page.getByRole('dialog')).toBeVisible();
      await expectAccessible(page, 'capture dialog');
      await page.getByRole('dialog').getByRole('button', { name: l.confirm }).click();
      await formLive(page);
      await expectAccessible(page, 'form');

      for (const tab of TABS[lang]) {
        await page.getByRole('tab', { name: tab, exact: true }).click();
        await expect(page.getByRole('tabpanel', { name: tab, exact: true })).toBeVisible();
        await expectAccessible(page, `tab ${tab}`);
      }
      await page.getByRole('button', { name: l.options }).click();
      await expectAccessible(page, 'options menu');
      await page.keyboard.press('Escape');

      await page.getByRole('button', { name: l.log, exact: true }).click();
      await expect(page.getByRole('dialog', { name: l.log })).toBeVisible();
      await expectAccessible(page, 'log dialog');
      await closeDialog(page, lang);
      await page.getByRole('button', { name: l.flow, exact: true }).click();
      await expect(page.getByRole('dialog').getByRole('img')).toBeVisible();
      await expectAccessible(page, 'flow dialog');
      await closeDialog(page, lang);
    });

    test('charts, the suspension dialog and the registration form have no serious violation', async ({ page }) => {
      await login(page, 'ana', lang);
      await page.goto('/releases/charts');
      await expect(page.getByRole('table', { name: l.byStatus })).toBeVisible();
      await expectAccessible(page, 'charts');

      // What only the manager sees: the suspension dialog and the registration form.
      await page.context().clearCookies();
      await login(page, 'gestor', lang);
      await page.goto('/releases?status=approved');
      await listLive(page);
      const suspendRow = page.getByRole('table').getByRole('row').filter({ has: page.getByRole('rowheader') }).first();
      await suspendRow.getByRole('button', { name: l.action }).click();
      await page.getByRole('menuitem', { name: l.suspend, exact: true }).click();
      await expect(page.getByRole('dialog').getByLabel(l.justification)).toBeVisible();
      await expectAccessible(page, 'suspend dialog');
      await page.getByRole('dialog').getByRole('button', { name: l.dialogCancel, exact: true }).click();
      await page.goto('/releases/new');
      await expectAccessible(page, 'registration');
    });

    test('the unlink confirmation, the article reader and the reactivate, reopen and cancel dialogs have no serious violation', async ({ page }) => {
      const [knowledge, problems] = [TABS[lang][1], TABS[lang][0]];
      await login(page, 'ana', lang);
      await page.goto('/releases?status=approved&scope=groups');
      await listLive(page);
      const number = (await page.getByRole('table').getByRole('rowheader').first().textContent())!.trim();
      const row = await rowOf(page, lang, number);
      await row.getByRole('button', { name: l.open }).click();
      await page.getByRole('dialog').getByRole('button', { name: l.confirm }).click();
      await formLive(page);

      // A knowledge article, linked and then read.
      let panel = await linkFirstHit(page, knowledge, 'procedimiento');
      await panel.locator('table.linked button.link-button').first().click();
      await expect(page.getByRole('dialog')).toBeVisible();
      await expectAccessible(page, 'article reader');
      await closeDialog(page, lang);
      // A problem, linked, then the unlink confirmation (dismissed).
      panel = await linkFirstHit(page, problems, 'caida');
      await panel.getByRole('button', { name: text(lang, 'relations.unlink') }).click();
      await expect(page.getByRole('dialog')).toBeVisible();
      await expectAccessible(page, 'unlink confirmation');
      await page.getByRole('dialog').getByRole('button', { name: l.dialogCancel, exact: true }).click();
      await expect(page.getByRole('dialog')).toBeHidden();

      // The manager's dialogs, each dismissed without acting.
      await page.context().clearCookies();
      await login(page, 'gestor', lang);
      for (const [status, action] of [['suspended', 'reactivate'], ['closed', 'reopen'], ['approved', 'cancel']] as const) {
        await page.goto(`/releases?status=${status}`);
        await listLive(page);
        const first = page.getByRole('table').getByRole('row').filter({ has: page.getByRole('rowheader') }).first();
        await first.getByRole('button', { name: l.action }).click();
        await page.getByRole('menuitem', { name: l[action], exact: true }).click();
        await expect(page.getByRole('dialog')).toBeVisible();
        await expectAccessible(page, `${action} dialog`);
        await page.getByRole('dialog').getByRole('button', { name: l.dialogCancel, exact: true }).click();
        await expect(page.getByRole('dialog')).toBeHidden();
      }
    });

    test('the list and the form are usable 375 pixels wide', async ({ page }) => {
      await page.setViewportSize({ width: 375, height: 740 });
      await login(page, 'ana', lang);
      await listLive(page);
      // Each row is a card that names its fields, in the page's language.
      const requester = await page.evaluate(
        () => getComputedStyle(document.querySelector('table.releases tbody tr > :nth-child(2)')!, '::before').content,
      );
      expect(requester).toBe(`"${text(lang, 'list.requester')}"`);
      // Nothing but the table itself scrolls sideways.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await expect(page.getByRole('searchbox', { name: l.search })).toBeInViewport();
      await page.goto('/releases?status=approved&scope=groups');
      await listLive(page);
      const number = (await page.getByRole('table').getByRole('rowheader').first().textContent())!.trim();
      await page.goto(`/releases/${number}`);
      await formLive(page);
      const formOverflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(formOverflow).toBeLessThanOrEqual(0);
      await expect(page.getByRole('button', { name: l.log, exact: true })).toBeInViewport();
      await expectAccessible(page, 'form at 375 px');
    });
  });
}

import { test, expect, type Page } from '@playwright/test';
import { type Language, formLive, listLive, login, text } from './helpers';

/** The number of a release waiting at Execution for Despliegue N1 (gestor registered it). */
async function approvedRelease(page: Page): Promise<string> {
  await page.goto('/releases?status=approved');
  await listLive(page);
  const row = page.getByRole('row').filter({ hasText: 'Despliegue N1' }).first();
  return (await row.getByRole('rowheader').textContent())!.trim();
}

async function openCorrection(page: Page, lang: Language) {
  await page.getByRole('button', { name: text(lang, 'form.correct') }).click();
  const dialog = page.getByRole('dialog', { name: text(lang, 'form.correct') });
  await expect(dialog).toBeVisible();
  return dialog;
}

for (const lang of ['es', 'pt'] as const) {
  test.describe(`correcting registered data in ${lang}`, () => {
    test.use({ locale: lang === 'es' ? 'es-ES' : 'pt-BR' });

    test('the requester raises the urgency: the priority and the log follow; a stale second tab is refused', async ({ page, context }) => {
      await login(page, 'gestor', lang);
      const number = await approvedRelease(page);
      await page.goto(`/releases/${number}`);
      await formLive(page);
      // A second tab on the same release, opened before the correction.
      const other = await context.newPage();
      await other.goto(`/releases/${number}`);
      await formLive(other);

      const dialog = await openCorrection(page, lang);
      await dialog.getByLabel(text(lang, 'field.impact')).selectOption('1');
      await dialog.getByLabel(text(lang, 'field.urgency')).selectOption('1');
      await expect(dialog.locator('output')).toHaveText(text(lang, 'priority.p1'));
      await dialog.getByRole('button', { name: text(lang, 'form.correct_save') }).click();
      await expect(dialog).toBeHidden();
      const data = page.getByRole('region', { name: text(lang, 'form.data') });
      await expect(data).toContainText(text(lang, 'level.high'));

      await page.getByRole('button', { name: text(lang, 'log.title'), exact: true }).click();
      const log = page.getByRole('dialog', { name: text(lang, 'log.title') });
      const corrected = log.getByRole('row').filter({ hasText: text(lang, 'log.edited') });
      await expect(corrected).toHaveCount(1);
      const changes = corrected.getByRole('list', { name: text(lang, 'log.changes') });
      await expect(changes).toContainText(`${text(lang, 'field.urgency')}: `);
      await expect(changes).toContainText(`→ ${text(lang, 'level.high')}`);
      await expect(changes).toContainText(`→ ${text(lang, 'priority.p1')}`);

      // The second tab still holds the earlier version: its correction is refused, nothing lost.
      const stale = await openCorrection(other, lang);
      await stale.getByLabel(text(lang, 'field.title')).fill('Cambio de una pestaña vieja');
      await stale.getByRole('button', { name: text(lang, 'form.correct_save') }).click();
      await expect(stale.getByRole('alert')).toContainText(text(lang, 'error.stale_version'));
      await other.reload();
      await formLive(other);
      await expect(other.getByRole('region', { name: text(lang, 'form.data') })).not.toContainText('Cambio de una pestaña vieja');
    });
  });
}

import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { LABELS, type Language, apiLogin, authorizedRelease, call, expectAccessible, formLive, format, localized, login, openAndCapture, openReleaseListFromMenu } from './helpers';

const ATTACH = localized({
  tab: 'attachments.title', attach: 'attachments.attach', toOccurrence: 'attachments.attach_to_occurrence',
  remove: 'attachments.remove', none: 'attachments.none', preview: 'attachments.preview',
  added: 'log.attachment_added', removed: 'log.attachment_removed', occurrenceFiles: 'attachments.of_occurrence',
});

/** A PNG of one pixel. */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c63f8cfc0f01f0005000100ff89993d1d0000000049454e44ae426082', 'hex');

/** A release gestor registers for Despliegue N1 and authorizes (a release of this test alone): its number. */
async function waitingForN1(request: APIRequestContext, lang: Language): Promise<number> {
  await apiLogin(request, 'gestor');
  return authorizedRelease(request, 'Despliegue N1', `Evidencias adjuntas (${lang})`);
}

/** Clicks the download link named `name` inside `scope`; the saved file's bytes. */
async function downloaded(page: Page, link: ReturnType<Page['getByRole']>): Promise<Buffer> {
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  return readFile((await download.path())!);
}

async function fitsNarrowScreen(page: Page, what: string) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .map((e) => `${e.tagName.toLowerCase()}.${e.className}#${e.id}`).slice(0, 8).join(' '));
  expect(overflow, `${what} is wider than the screen: ${wide}`).toBeLessThanOrEqual(0);
}

for (const lang of ['es', 'pt'] as const) {
  test.describe(`attachments in ${lang}`, () => {
    test.use({ locale: lang === 'es' ? 'es-ES' : 'pt-BR' });
    const l = LABELS[lang];
    const t = ATTACH[lang];

    test('the executor attaches files to the release and to an occurrence, and downloads them back byte for byte', async ({ page, browser }) => {
      const manager = await browser.newContext();
      const number = String(await waitingForN1(manager.request, lang));
      await manager.close();

      await login(page, 'ana', lang);
      await openReleaseListFromMenu(page, lang);
      await openAndCapture(page, lang, number);

      // "Adjuntos": a text file by the button, then an image; the image gets a thumbnail.
      await page.getByRole('tab', { name: t.tab, exact: true }).click();
      const panel = page.getByRole('tabpanel', { name: t.tab, exact: true });
      await expect(panel.getByText(t.none)).toBeVisible();
      const log = Buffer.from(`Despliegue ${lang}: 42 servidores actualizados sin errores.\n`, 'utf8');
      // One input takes both files, as a file dialog opened before the list reloaded with the
      // first would: the reload keeps the upload in place.
      const picker = (await panel.getByLabel(t.attach, { exact: true }).elementHandle())!;
      await picker.setInputFiles({ name: 'despliegue.log', mimeType: 'text/plain', buffer: log });
      await expect(panel.getByRole('status')).toContainText('despliegue.log');
      await expect(panel.getByRole('link', { name: 'despliegue.log' })).toBeVisible();
      await picker.setInputFiles({ name: 'captura.png', mimeType: 'image/png', buffer: PNG });
      await expect(panel.getByRole('link', { name: 'captura.png' })).toBeVisible();
      const thumbnail = panel.getByRole('img', { name: `${t.preview} captura.png` });
      await expect(thumbnail).toBeVisible();
      expect(await thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1);
      expect(await downloaded(page, panel.getByRole('link', { name: 'despliegue.log' }))).toEqual(log);
      expect(await downloaded(page, panel.getByRole('link', { name: 'captura.png' }))).toEqual(PNG);
      await expectAccessible(page, 'the attachments tab');

      // A file dropped on the area is taken too.
      const dropped = await page.evaluateHandle(() => {
        const data = new DataTransfer();
        data.items.add(new File(['lista de comprobación firmada'], 'checklist.txt', { type: 'text/plain' }));
        return data;
      });
      await panel.locator('.drop-zone').dispatchEvent('drop', { dataTransfer: dropped });
      await expect(panel.getByRole('link', { name: 'checklist.txt' })).toBeVisible();

      // Removed, with confirmation.
      await panel.getByRole('button', { name: `${t.remove} checklist.txt` }).click();
      await page.getByRole('dialog').getByRole('button', { name: l.confirm }).click();
      await expect(panel.getByRole('link', { name: 'checklist.txt' })).toHaveCount(0);

      // A manual occurrence, and a file attached to it in the log.
      await call(page.request, 'add_occurrence', { id: Number(number), occurrence: {
        category: 'execution', origin: 'phone', minutes: 10, description: `Evidencia (${lang})`,
        occurrence: 'Se adjunta el registro del proveedor.', user_information: 'Sin impacto.',
      } });
      await page.getByRole('button', { name: l.log, exact: true }).click();
      const dialog = page.getByRole('dialog', { name: l.log });
      const row = dialog.getByRole('row').filter({ hasText: `Evidencia (${lang})` });
      const evidence = Buffer.from('proveedor: ventana confirmada\n', 'utf8');
      // The occurrence's input too is held across the log's reload, as an open file dialog.
      const occurrencePicker = (await row.getByLabel(t.toOccurrence).elementHandle())!;
      await occurrencePicker.setInputFiles({ name: 'proveedor.txt', mimeType: 'text/plain', buffer: evidence });
      const attached = dialog.getByRole('row').filter({ hasText: `Evidencia (${lang})` }).getByRole('link', { name: 'proveedor.txt' });
      await expect(attached).toBeVisible();
      expect(await downloaded(page, attached)).toEqual(evidence);
      // Rows by their kind's cell: the occurrence's row also says "… adjuntado: proveedor.txt".
      const logged = (kind: string) => dialog.getByRole('row').filter({ has: page.getByRole('cell', { name: kind, exact: true }) });
      await expect(logged(t.added)).toHaveCount(4);
      await occurrencePicker.setInputFiles({ name: 'acta.txt', mimeType: 'text/plain', buffer: Buffer.from('acta firmada\n', 'utf8') });
      await expect(dialog.getByRole('row').filter({ hasText: `Evidencia (${lang})` }).getByRole('link', { name: 'acta.txt' })).toBeVisible();
      // Every upload and the removal are in the log.
      await expect(logged(t.added)).toHaveCount(5);
      await expect(logged(t.removed)).toHaveCount(1);
      await expectAccessible(page, 'the log with an occurrence\'s attachments');
    });

    test('the attachments fit a 375 px screen', async ({ page, browser }) => {
      const manager = await browser.newContext();
      const number = String(await waitingForN1(manager.request, lang));
      await manager.close();
      await page.setViewportSize({ width: 375, height: 800 });
      await login(page, 'ana', lang);
      await call(page.request, 'capture_task', { id: Number(number) });
      const upload = await page.request.post(`/api/attachments/${number}?name=${encodeURIComponent('captura de pantalla muy larga del despliegue final.png')}`, {
        data: PNG, headers: { 'content-type': 'application/octet-stream' },
      });
      expect(upload.status(), await upload.text()).toBe(201);
      await page.goto(`/releases/${number}`);
      await formLive(page);
      await page.getByRole('tab', { name: t.tab, exact: true }).click();
      const panel = page.getByRole('tabpanel', { name: t.tab, exact: true });
      await expect(panel.getByRole('link', { name: /captura de pantalla/ })).toBeVisible();
      await fitsNarrowScreen(page, 'the attachments tab');
      await expectAccessible(page, 'the attachments tab at 375 px');
      expect(format(lang, 'attachments.limit', { megabytes: 20 })).toContain('20');
      await expect(panel).toContainText(format(lang, 'attachments.limit', { megabytes: 20 }));
    });
  });
}

import { test, expect, type Page } from '@playwright/test';
import { LABELS, type Language, login, showWaitingForMyGroups, firstNumber, openAndCapture, localized, fragment } from './helpers';
import { answeredLine, referenceIn } from './server-log';

const TABS = localized({
  problems: 'relations.problems', knowledge: 'relations.knowledge', media: 'relations.media', roles: 'relations.roles',
  changes: 'relations.changes', related: 'relations.related', search: 'relations.search', link: 'relations.link',
  unlink: 'relations.unlink', responsibility: 'relations.responsibility',
  // Parts of the refusals error.already_linked and error.change_not_linkable.
  already: (lang) => fragment(lang, 'error.already_linked', { es: 'ya está vinculado', pt: 'já está vinculado' }),
  notLinkable: (lang) => fragment(lang, 'error.change_not_linkable', { es: 'No se puede vincular', pt: 'Não é possível vincular' }),
  linked: 'log.linked', unlinked: 'log.unlinked', howTo: 'help.link_title',
  // The statuses of changes in the catalogue.
  registered: 'catalogue.registered', approved: 'catalogue.approved',
});

async function openTab(page: Page, name: string) {
  await page.getByRole('tab', { name, exact: true }).click();
  const panel = page.getByRole('tabpanel', { name, exact: true });
  await expect(panel).toBeVisible();
  return panel;
}

async function countOf(page: Page, name: string) {
  return page.getByRole('tab', { name, exact: true }).locator('.count');
}

async function linkFirst(page: Page, lang: Language, tab: string, text: string, filter?: string) {
  const t = TABS[lang];
  const panel = await openTab(page, tab);
  await panel.getByLabel(t.search).fill(text);
  let row = panel.locator('table.hits tr');
  if (filter) row = row.filter({ hasText: filter });
  await row.first().getByRole('button', { name: t.link }).click();
  return panel;
}

async function linkEverything(page: Page, lang: Language, user: string) {
  const t = TABS[lang];
  await login(page, user, lang);
  await showWaitingForMyGroups(page, lang);
  const number = await firstNumber(page);
  await openAndCapture(page, lang, number);

  await expect(await countOf(page, t.problems)).toHaveText('0');
  let panel = await linkFirst(page, lang, t.problems, 'caida');
  await expect(panel.getByRole('status')).toContainText(t.linked);
  await expect(await countOf(page, t.problems)).toHaveText('1');
  // The same problem again is refused with a message.
  panel = await linkFirst(page, lang, t.problems, 'caida');
  await expect(panel.getByRole('alert')).toContainText(t.already);
  await expect(await countOf(page, t.problems)).toHaveText('1');
  // The message ends with its reference code, which finds the server's log line of the refusal.
  const reference = await referenceIn(panel.getByRole('alert'), lang);
  const line = await answeredLine(reference);
  expect(line.span?.path).toBe('/api/link_item');
  expect(line.fields.status).toBeGreaterThanOrEqual(400);
  expect(line.fields.status).toBeLessThan(500);

  await linkFirst(page, lang, t.knowledge, 'procedimiento');
  await expect(await countOf(page, t.knowledge)).toHaveText('1');
  await linkFirst(page, lang, t.media, '');
  await expect(await countOf(page, t.media)).toHaveText('1');

  panel = await openTab(page, t.roles);
  await panel.getByLabel(t.responsibility).fill('Valida el despliegue');
  await linkFirst(page, lang, t.roles, 'lucia');
  await expect(await countOf(page, t.roles)).toHaveText('1');

  // A Registered change cannot be linked; the message says why.
  panel = await linkFirst(page, lang, t.changes, '', t.registered);
  await expect(panel.getByRole('alert')).toContainText(t.notLinkable);
  await expect(await countOf(page, t.changes)).toHaveText('0');
  await linkFirst(page, lang, t.changes, '', t.approved);
  await expect(await countOf(page, t.changes)).toHaveText('1');

  // Unlink, with confirmation.
  panel = await openTab(page, t.problems);
  await panel.getByRole('button', { name: t.unlink }).click();
  await page.getByRole('dialog').getByRole('button', { name: LABELS[lang].confirm }).click();
  await expect(await countOf(page, t.problems)).toHaveText('0');

  // The help tab, and every link and unlink in the execution log.
  panel = await openTab(page, t.related);
  await expect(panel.getByRole('heading', { name: t.howTo })).toBeVisible();
  await page.getByRole('button', { name: LABELS[lang].log, exact: true }).click();
  const log = page.getByRole('dialog', { name: LABELS[lang].log });
  await expect(log.getByRole('cell', { name: t.linked, exact: true })).toHaveCount(5);
  await expect(log.getByRole('cell', { name: t.unlinked, exact: true })).toHaveCount(1);
}

test('ana links one item of each kind in Spanish', async ({ page }) => {
  await linkEverything(page, 'es', 'ana');
});

test.describe('in Portuguese', () => {
  test.use({ locale: 'pt-BR' });
  test('joao links one item of each kind', async ({ page }) => {
    await linkEverything(page, 'pt', 'joao');
  });
});

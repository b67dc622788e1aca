import { test, expect } from '@playwright/test';
import { LABELS, login, listLive, formLive, call } from './helpers';

/** Markup typed into text fields: shown as text, never run. */
const PAYLOADS = {
  script: '<script>window.__xss = "script"</script>',
  image: '<img src=x onerror="window.__xss = \'img\'">',
  link: '<a href="javascript:window.__xss=1">enlace</a> \'; DROP TABLE releases; --',
};

// Every page records what its Content-Security-Policy blocked.
test.beforeEach(async ({ page }) => {
  await page.addInitScript(() => {
    (window as any).__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => (window as any).__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
});

for (const lang of ['es', 'pt'] as const) {
  test.describe(`security in ${lang}`, () => {
    test.use({ locale: lang === 'es' ? 'es-ES' : 'pt-BR' });
    const l = LABELS[lang];

    test('script typed into any text field is shown as text and never runs', async ({ page }) => {
      await login(page, 'ana', lang);
      const list = await call(page.request, 'list_releases', { query: { search: '', status: 'approved', scope: 'groups', page: 0 } });
      const id = list.rows.find((r: any) => r.responsible === null).id;
      await call(page.request, 'capture_task', { id });
      const view = await call(page.request, 'get_release', { id });
      const information = `${PAYLOADS.script} ${PAYLOADS.image}`;
      await call(page.request, 'save_release', {
        id, version: view.row_version, closure: { outcome: null, solution_category: null, useful_information: information },
      });
      await call(page.request, 'add_occurrence', { id, occurrence: {
        category: 'execution', origin: 'phone', minutes: 3,
        description: PAYLOADS.image, occurrence: PAYLOADS.script, user_information: PAYLOADS.link,
      } });

      await page.goto(`/releases/${id}`);
      await formLive(page);
      await expect(page.getByLabel(l.usefulInfo)).toHaveValue(information);
      await page.getByRole('button', { name: l.log, exact: true }).click();
      const log = page.getByRole('dialog', { name: l.log });
      await expect(log.getByText(PAYLOADS.image).first()).toBeVisible();
      await expect(log.getByText(PAYLOADS.link).first()).toBeVisible();
      // Nothing the text contained became an element or ran.
      expect(await page.locator('.release-form script, dialog script, dialog img[src="x"], dialog a[href^="javascript"]').count()).toBe(0);
      expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();

      // A title typed by the manager, in the list.
      await page.context().clearCookies();
      await login(page, 'gestor', lang);
      const groups = await call(page.request, 'executor_groups', {});
      const title = `Portal ${PAYLOADS.image}`;
      const created = await call(page.request, 'register_release', { registration: {
        title, description: PAYLOADS.script, executor_group: groups[0].id, release_type: 'normal', risk: 'medium',
        impact: 2, urgency: 2, planned_start: 1_900_000_000, planned_end: 1_900_086_400, version_label: PAYLOADS.image,
      } });
      await page.goto(`/releases?q=${created}`);
      await listLive(page);
      await expect(page.getByRole('row').filter({ hasText: title })).toHaveCount(1);
      await page.goto(`/releases/${created}`);
      await formLive(page);
      expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
      expect(await page.evaluate(() => (window as any).__violations)).toEqual([]);
    });

    test('the app runs under its Content-Security-Policy without a single violation', async ({ page }) => {
      await login(page, 'ana', lang);
      await listLive(page);
      const noViolation = async (where: string) =>
        expect(await page.evaluate(() => (window as any).__violations), where).toEqual([]);
      await page.goto('/releases/charts');
      await expect(page.getByRole('table', { name: l.byStatus })).toBeVisible();
      await noViolation('charts');
      // Loaded from the server (the login led to it in the browser).
      await page.goto('/releases');
      await listLive(page);
      await noViolation('list');
      const number = (await page.getByRole('table').getByRole('rowheader').first().textContent())!.trim();
      await page.goto(`/releases/${number}`);
      await formLive(page);
      await page.getByRole('button', { name: l.flow, exact: true }).click();
      await expect(page.getByRole('dialog').getByRole('img')).toBeVisible();
      await noViolation('release');
      const policy = (await page.request.get(`/releases/${number}`)).headers()['content-security-policy'];
      expect(policy).toContain("script-src 'self' 'nonce-");
    });
  });
}

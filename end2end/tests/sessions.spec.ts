import { test, expect, type BrowserContext } from '@playwright/test';
import { PASSWORD, hydrated, listLive, login, text } from './helpers';

const SESSION = 'releasedesk_session';

async function sessionCookie(context: BrowserContext): Promise<string | undefined> {
  return (await context.cookies()).find((c) => c.name === SESSION)?.value;
}

for (const lang of ['es', 'pt'] as const) {
  test.describe(`sessions in ${lang}`, () => {
    test.use({ locale: lang === 'es' ? 'es-ES' : 'pt-BR' });

    test('the session cookie changes at login, and a cookie planted before it is worth nothing', async ({ page, browser, baseURL }) => {
      // An attacker logs in as themselves and plants their session cookie in the victim's browser.
      const attacker = await browser.newContext();
      const answer = await attacker.request.post('/api/login', { form: { username: 'consultor', password: PASSWORD } });
      expect(answer.status()).toBeLessThan(400);
      const planted = await sessionCookie(attacker);
      expect(planted).toBeTruthy();
      await page.context().addCookies([{ name: SESSION, value: planted!, url: baseURL! }]);

      // The victim logs in through the login page.
      await login(page, 'ana', lang);
      const after = await sessionCookie(page.context());
      expect(after).toBeTruthy();
      expect(after).not.toBe(planted);
      const me = await page.request.post('/api/current_user', { data: {} });
      expect((await me.json()).username).toBe('ana');
      // The attacker's copy opens nothing: not their session any more, and not the victim's.
      expect((await attacker.request.post('/api/current_user', { data: {} })).status()).toBe(401);
      await attacker.close();
    });

    test('after a logout in another tab the open event stream closes within 5 s', async ({ page }) => {
      await login(page, 'ana', lang);
      await listLive(page);
      await expect(page.locator('html[data-live-events="open"]')).toHaveCount(1);

      // Another tab of the same browser logs out with "Salir" / "Sair".
      const other = await page.context().newPage();
      await other.goto('/releases');
      await hydrated(other);
      await other.getByRole('button', { name: text(lang, 'header.logout'), exact: true }).click();
      await expect(other).toHaveURL(/\/login$/);
      const loggedOut = Date.now();

      // The first tab's stream is closed by the server, and the page does not reconnect.
      await expect(page.locator('html[data-live-events="ended"]')).toHaveCount(1, { timeout: 5_000 });
      expect(Date.now() - loggedOut).toBeLessThan(5_000);
      await other.close();
    });
  });
}

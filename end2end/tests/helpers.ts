import { expect, type Page } from '@playwright/test';

export const PASSWORD = 'demo1234';

/** The labels a user reads in each language (SPEC §4). */
export const LABELS = {
  es: {
    username: 'Usuario', password: 'Contraseña', enter: 'Entrar',
    processes: 'Procesos', management: 'Gestión de Liberación', release: 'Liberación',
    listTitle: 'Liberaciones', search: 'Buscar', status: 'Estado', next: 'Página siguiente',
    open: 'Abrir', apply: 'Aplicar', scope: 'Mostrar', myGroups: 'Mis grupos', approved: 'Aprobada',
    confirm: 'Confirmar', closure: 'Cierre', resolved: 'Resuelto', notResolved: 'No resuelto',
    category: 'Categoría de solución', usefulInfo: 'Información útil', options: 'Opciones',
    saveAdvance: 'Guardar y avanzar flujo', saveKeep: 'Guardar y mantener la tarea actual',
    log: 'Registro de Ejecución', flow: 'Ver flujo', close: 'Cerrar', saved: 'Liberación guardada',
    statusResolved: 'Resuelta', statusNotResolved: 'No resuelta', statusClosed: 'Cerrada',
    review: 'Revisión', authorization: 'Autorización de ejecución', unassigned: 'Sin asignar',
    logSaved: 'Guardada', logAdvanced: 'Flujo avanzado', accept: 'Aceptar',
    action: 'Acción', delegate: 'Delegar', suspend: 'Suspender', reactivate: 'Reactivar',
    reopen: 'Reabrir', cancel: 'Cancelar', justification: 'Justificación', complement: 'Complemento',
    reason: 'Motivo', group: 'Grupo', responsible: 'Responsable', mine: 'Asignadas a mí',
    statusSuspended: 'Suspendida', statusCancelled: 'Cancelada', statusApproved: 'Aprobada',
    suspendedNotice: 'La liberación está suspendida.', listView: 'Gestión', chartsView: 'Gráficos',
    byStatus: 'Por estado', all: 'Todas', logSuspended: 'Liberación suspendida', logReactivated: 'Liberación reactivada',
  },
  pt: {
    username: 'Usuário', password: 'Senha', enter: 'Entrar',
    processes: 'Processos', management: 'Gerência de Liberação', release: 'Liberação',
    listTitle: 'Liberações', search: 'Buscar', status: 'Situação', next: 'Próxima página',
    open: 'Abrir', apply: 'Aplicar', scope: 'Mostrar', myGroups: 'Meus grupos', approved: 'Aprovada',
    confirm: 'Confirmar', closure: 'Fechamento', resolved: 'Resolvida', notResolved: 'Não resolvida',
    category: 'Categoria de solução', usefulInfo: 'Informações úteis', options: 'Opções',
    saveAdvance: 'Gravar e avançar o fluxo', saveKeep: 'Gravar e manter a tarefa atual',
    log: 'Registro de Execução', flow: 'Visualizar fluxo', close: 'Fechar', saved: 'Liberação gravada',
    statusResolved: 'Resolvida', statusNotResolved: 'Não resolvida', statusClosed: 'Fechada',
    review: 'Revisão', authorization: 'Autorização de execução', unassigned: 'Não atribuída',
    logSaved: 'Gravada', logAdvanced: 'Fluxo avançado', accept: 'Aceitar',
    action: 'Ação', delegate: 'Delegar', suspend: 'Suspender', reactivate: 'Reativar',
    reopen: 'Reabrir', cancel: 'Cancelar', justification: 'Justificativa', complement: 'Complemento',
    reason: 'Motivo', group: 'Grupo', responsible: 'Responsável', mine: 'Atribuídas a mim',
    statusSuspended: 'Suspensa', statusCancelled: 'Cancelada', statusApproved: 'Aprovada',
    suspendedNotice: 'A liberação está suspensa.', listView: 'Gerenciamento', chartsView: 'Gráficos',
    byStatus: 'Por situação', all: 'Todas', logSuspended: 'Liberação suspensa', logReactivated: 'Liberação reativada',
  },
} as const;

export type Language = keyof typeof LABELS;

/** Waits until the app is interactive (hydrated), so clicks reach its handlers. */
export async function hydrated(page: Page) {
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
}

export async function login(page: Page, username: string, lang: Language) {
  const l = LABELS[lang];
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel(l.username, { exact: true }).fill(username);
  await page.getByLabel(l.password, { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: l.enter }).click();
  await expect(page).toHaveURL(/\/releases/);
  await hydrated(page);
}

/** Procesos > Gestión de Liberación > Liberación, as the seed's step 1 says. */
export async function openReleaseListFromMenu(page: Page, lang: Language) {
  const l = LABELS[lang];
  await page.getByRole('button', { name: l.processes }).click();
  await page.getByRole('menuitem', { name: l.management }).click();
  await page.getByRole('menuitem', { name: l.release, exact: true }).click();
  await expect(page.getByRole('heading', { name: l.listTitle })).toBeVisible();
}

export async function search(page: Page, lang: Language, text: string) {
  const l = LABELS[lang];
  await page.getByRole('searchbox', { name: l.search }).fill(text);
  await page.getByRole('searchbox', { name: l.search }).press('Enter');
}

/** The number of the first release of the list as currently filtered. */
export async function firstNumber(page: Page): Promise<string> {
  const header = page.getByRole('table').getByRole('rowheader').first();
  await expect(header).toBeVisible();
  return (await header.textContent())!.trim();
}

/** Filters the list to releases waiting for the user's groups at Execution. */
export async function showWaitingForMyGroups(page: Page, lang: Language) {
  const l = LABELS[lang];
  await page.getByLabel(l.status, { exact: true }).selectOption({ label: l.approved });
  await expect(page).toHaveURL(/status=approved/);
  await page.getByLabel(l.scope, { exact: true }).selectOption({ label: l.myGroups });
  await expect(page).toHaveURL(/scope=groups/);
  // The old rows stay on screen while the filtered ones load.
  await expect(page.locator('section.release-list')).toHaveAttribute('aria-busy', 'false');
  await expect(page.getByRole('table').getByRole('row').nth(1)).toContainText(l.approved);
}

/** The list row of release `number`, after searching it. */
export async function rowOf(page: Page, lang: Language, number: string) {
  await search(page, lang, number);
  const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: number, exact: true }) });
  await expect(row).toHaveCount(1);
  await listLive(page);
  return row;
}

/** Waits until the list's rows (which hydrate after the page around them) answer clicks. */
export async function listLive(page: Page) {
  await page.locator('.table-wrap[data-live="true"]').waitFor({ state: 'attached' });
}

/** "Abrir" on the release's row and confirm the task assignment. */
export async function openAndCapture(page: Page, lang: Language, number: string) {
  const l = LABELS[lang];
  const row = await rowOf(page, lang, number);
  await row.getByRole('button', { name: l.open }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: l.confirm }).click();
  await expect(page).toHaveURL(new RegExp(`/releases/${number}$`));
  await formLive(page);
}

/** Waits until the release form (which hydrates after the page around it) answers clicks. */
export async function formLive(page: Page) {
  await page.locator('article.release-form[data-live="true"]').waitFor({ state: 'attached' });
}

export async function chooseOption(page: Page, lang: Language, item: 'saveAdvance' | 'saveKeep') {
  const l = LABELS[lang];
  await page.getByRole('button', { name: l.options }).click();
  await page.getByRole('menuitem', { name: l[item] }).click();
}

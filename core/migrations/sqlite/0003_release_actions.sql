-- Suspend / Reactivate: where a suspended release returns to, and the managed list of
-- justifications a suspension is chosen from (names in both languages).
ALTER TABLE releases ADD COLUMN suspended_from_status TEXT;

CREATE TABLE suspension_reasons (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    code     TEXT    NOT NULL UNIQUE,
    name_es  TEXT    NOT NULL,
    name_pt  TEXT    NOT NULL,
    position BIGINT  NOT NULL DEFAULT 0,
    active   BIGINT  NOT NULL DEFAULT 1
);

INSERT INTO suspension_reasons (code, name_es, name_pt, position) VALUES
    ('window_moved', 'Ventana de mantenimiento reprogramada', 'Janela de manutenção reprogramada', 1),
    ('awaiting_supplier', 'En espera del proveedor', 'Aguardando o fornecedor', 2),
    ('awaiting_requester', 'En espera del solicitante', 'Aguardando o solicitante', 3),
    ('change_freeze', 'Congelamiento de cambios', 'Congelamento de mudanças', 4),
    ('dependency_blocked', 'Dependencia bloqueada', 'Dependência bloqueada', 5);

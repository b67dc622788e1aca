-- The list's server function searching title words, a different search each request.
dofile(os.getenv("BENCH_DIR") .. "/wrk/report.lua")
local searches = {
  "migracion nomina", "parche seguridad portal", "actualizacion erp", "despliegue base datos",
  "certificados vpn", "optimizacion cache", "integracion pasarela pagos", "correccion errores crm",
  "renovacion firma digital", "ampliacion capacidad data warehouse", "migr tesor", "retirada centralita",
  "nueva version app movil", "ajuste configuracion balanceador", "intranet workers", "antifraude esquema",
}
local n = 0
function request()
  n = n + 1
  local search = searches[(n % #searches) + 1]
  local body = '{"query":{"search":"' .. search .. '","status":null,"scope":"all","page":0}}'
  return wrk.format("POST", "/api/list_releases", {
    ["Content-Type"] = "application/json", ["Cookie"] = os.getenv("BENCH_COOKIE"),
  }, body)
end

/**
 * Which environment the API runs in. `AE_ENV` decides when set (`production` or anything else);
 * otherwise `NODE_ENV=production` means production. Production turns off GraphQL introspection,
 * the GraphQL IDE and graphql-js's "Did you mean" hints (README, Configuration).
 */
export function isProduction(env: NodeJS.ProcessEnv = process.env): boolean {
  const ae = env.AE_ENV?.trim().toLowerCase();
  if (ae) return ae === 'production';
  return env.NODE_ENV?.trim().toLowerCase() === 'production';
}

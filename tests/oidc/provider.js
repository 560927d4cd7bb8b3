// A real OpenID Connect provider for the tests: the certified `oidc-provider`, on 127.0.0.1 and a free port.
//
// Started by tests/oidc_provider.py (the `oidc_provider` fixture) as `node provider.js CONFIG_FILE`. The config file
// (JSON, written by the test, mode 0600: the client secret is never on a command line) names the client, its
// redirect URIs and the accounts file. The accounts file is read again at every sign-in, so a test can change a
// person's groups between two sign-ins. Any login name is accepted on the provider's login page (its development
// interactions) with any password; the account's claims come from the accounts file.
//
// On start it prints one line of JSON to stdout: {"issuer": "http://127.0.0.1:PORT"}.

import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const settings = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function account(id) {
  const accounts = JSON.parse(readFileSync(settings.accounts_file, 'utf8'));
  return accounts[id] || {};
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: settings.client_id,
        client_secret: settings.client_secret,
        redirect_uris: settings.redirect_uris,
        post_logout_redirect_uris: settings.post_logout_redirect_uris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    // Every client must use PKCE (S256).
    pkce: { required: () => true },
    scopes: ['openid', 'profile', 'email', 'groups'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email'],
      groups: ['groups'],
    },
    // The ID token carries the person's claims (as Entra ID's does with the groups claim configured).
    conformIdTokenClaims: false,
    cookies: { keys: [settings.cookie_key] },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        // The provider's default page loads a web font from the internet; this one has no outside assets.
        logoutSource: async (ctx, form) => {
          ctx.body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign out</title></head>
<body><h1>Do you want to sign out from the test provider?</h1>${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button></body></html>`;
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.body = '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Signed out</title></head>'
            + '<body><h1>You are signed out of the test provider.</h1></body></html>';
        },
      },
    },
    // A first-party client: no consent screen, every requested scope is granted.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) {
        const existing = await ctx.oidc.provider.Grant.find(grantId);
        if (existing) return existing;
      }
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid profile email groups');
      await grant.save();
      return grant;
    },
    findAccount: async (ctx, id) => ({
      accountId: id,
      async claims() {
        const person = account(id);
        return {
          sub: id,
          name: person.name || id,
          preferred_username: id,
          email: person.email || `${id}@region.example`,
          groups: person.groups || [],
        };
      },
    }),
    ttl: { Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
  });
  provider.proxy = false;
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));

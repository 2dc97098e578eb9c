import type { FC } from "hono/jsx";
import { Layout } from "../components";

export const LoginPage: FC<{ error?: string; next?: string }> = ({ error, next }) => (
  <Layout title="Sign in" signedIn={false}>
    <h1>Sign in to the operator console</h1>
    {error && (
      <p class="flash bad" role="alert" id="login-error">
        {error}
      </p>
    )}
    <form method="post" action="/ops/login">
      <input type="hidden" name="next" value={next ?? "/ops"} />
      <p>
        <label for="token">Admin token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="current-password"
          required
          autofocus
          aria-invalid={error ? "true" : undefined}
          aria-describedby={error ? "login-error token-help" : "token-help"}
        />
        <span id="token-help" class="muted">
          The <code>ADMIN_TOKEN</code> secret of this deployment.
        </span>
      </p>
      <button type="submit">Sign in</button>
    </form>
  </Layout>
);

export const NotConfiguredPage: FC<{ problem?: string }> = ({ problem }) => (
  <Layout title="Not configured" signedIn={false}>
    <h1>The console is not configured</h1>
    {problem ? (
      <p role="alert">{problem}.</p>
    ) : (
      <p role="alert">
        <code>ADMIN_TOKEN</code> is not set for this deployment, so nobody can sign in. Set it with <code>wrangler secret put ADMIN_TOKEN</code>.
      </p>
    )}
  </Layout>
);

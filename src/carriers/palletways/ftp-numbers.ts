// FTP suffix numbers for `{trackingId}_{n}.{ext}`: one D1 counter per tracking ID, so a number is
// handed out once in the connector's life, whichever Worker or attempt asks, even after a failure.

/**
 * Takes the next number for `trackingId` and, in the same D1 transaction, writes it on the
 * document's row (`seq`). The upload always ends under the last number taken, so after a crash
 * the row names the one file an earlier attempt may have left on the server.
 */
export async function takeFtpNumber(env: Env, trackingId: string, documentRowId: string): Promise<number> {
  const now = Date.now();
  const [taken] = await env.DB.batch<{ last_n: number }>([
    env.DB.prepare(
      `INSERT INTO ftp_sequences (tracking_id, last_n) VALUES (?1, 1)
       ON CONFLICT (tracking_id) DO UPDATE SET last_n = last_n + 1
       RETURNING last_n`,
    ).bind(trackingId),
    env.DB.prepare(`UPDATE documents SET seq = (SELECT last_n FROM ftp_sequences WHERE tracking_id = ?1), updated_at = ?2 WHERE id = ?3`).bind(trackingId, now, documentRowId),
  ]);
  const n = taken?.results?.[0]?.last_n;
  if (typeof n !== "number") throw new Error(`D1 handed out no FTP number for ${trackingId}`);
  return n;
}

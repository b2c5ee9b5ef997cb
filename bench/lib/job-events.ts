/** Reads a job's SSE stream until its final status: when it arrived, and the job as sent. */
export async function followJobEvents(url: string): Promise<{ receivedAt: number; job: { status: string; finishedAt: string } }> {
  const response = await fetch(url);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the stream ended before the job finished');
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (data === undefined) continue;
      const job = JSON.parse(data) as { status: string; finishedAt: string };
      if (['succeeded', 'failed', 'cancelled'].includes(job.status)) {
        const receivedAt = Date.now();
        await reader.cancel();
        return { receivedAt, job };
      }
    }
  }
}

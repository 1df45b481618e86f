// Server-Sent Events as the portal writes them: blocks separated by a blank line, each with `id:`,
// `event:` and one `data:` line of JSON, or a comment (`: ping`).

// Takes the complete blocks off the front of `buffer`: {events: [{id, event, data}], comments, rest}.
// `data` is the parsed JSON, or undefined with `dataError` set when it is not JSON.
export function takeEvents(buffer) {
  const events = [];
  let comments = 0;
  let end;
  while ((end = buffer.indexOf('\n\n')) !== -1) {
    const block = buffer.slice(0, end);
    buffer = buffer.slice(end + 2);
    const event = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments += 1;
      else if (line.startsWith('id: ')) event.id = line.slice(4);
      else if (line.startsWith('event: ')) event.event = line.slice(7);
      else if (line.startsWith('data: ')) {
        try {
          event.data = JSON.parse(line.slice(6));
        } catch {
          event.dataError = line.slice(6, 126);
        }
      }
    }
    if (event.event) events.push(event);
  }
  return { events, comments, rest: buffer };
}

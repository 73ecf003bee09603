// The service's API, as any other client uses it: bearer token, JSON, problems as {detail}.

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

export class Api {
  constructor(token, onUnauthorized) {
    this.token = token;
    this.onUnauthorized = onUnauthorized;
  }

  headers(extra = {}) {
    return { Authorization: `Bearer ${this.token}`, ...extra };
  }

  async request(method, path, { query, body, accept } = {}) {
    const url = new URL(path, window.location.origin);
    for (const [k, v] of Object.entries(query || {})) {
      if (v !== null && v !== undefined && v !== "") url.searchParams.set(k, v);
    }
    const headers = this.headers({ Accept: accept || "application/json" });
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    if (response.status === 401 && this.onUnauthorized) this.onUnauthorized();
    if (!response.ok) {
      let detail = `HTTP ${response.status}`;
      try {
        detail = (await response.json()).detail || detail;
      } catch {
        /* not JSON */
      }
      throw new ApiError(response.status, detail);
    }
    return response;
  }

  async get(path, query) {
    return (await this.request("GET", path, { query })).json();
  }

  async post(path, body) {
    return (await this.request("POST", path, { body })).json();
  }

  async csv(path, query) {
    return (await this.request("GET", path, { query, accept: "text/csv" })).blob();
  }
}

/** Parse server-sent events from text chunks; calls onEvent({id, event, data}) per complete event. */
export class SseParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = "";
    this.fields = {};
    this.data = [];
  }

  push(chunk) {
    this.buffer += chunk;
    let newline;
    while ((newline = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, newline);
      const sepLength = this.buffer.startsWith("\r\n", newline) ? 2 : 1;
      this.buffer = this.buffer.slice(newline + sepLength);
      this.line(line);
    }
  }

  line(line) {
    if (line === "") {
      if (this.data.length || this.fields.event) {
        this.onEvent({ id: this.fields.id ?? null, event: this.fields.event || "message", data: this.data.join("\n") });
      }
      this.fields = {};
      this.data = [];
      return;
    }
    if (line.startsWith(":")) return; // a heartbeat comment
    const colon = line.indexOf(":");
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (name === "data") this.data.push(value);
    else if (name === "id" || name === "event" || name === "retry") this.fields[name] = value;
  }
}

/**
 * The operator feed (GET /api/v1/events) read with fetch(): EventSource cannot send the Authorization
 * header, and a token in the query string would end up in access logs. Resumes with Last-Event-ID
 * after a drop, so nothing published in between is missed.
 */
export class Feed {
  constructor(api, { district, onEvent, onState }) {
    this.api = api;
    this.district = district;
    this.onEvent = onEvent;
    this.onState = onState;
    this.lastId = null;
    this.retryMs = 2000;
    this.stopped = false;
    this.controller = null;
  }

  start() {
    this.loop();
  }

  stop() {
    this.stopped = true;
    if (this.controller) this.controller.abort();
  }

  async loop() {
    while (!this.stopped) {
      try {
        await this.once();
      } catch (err) {
        if (this.stopped) return;
        if (err instanceof ApiError && err.status === 401) return;
      }
      if (this.stopped) return;
      this.onState("reconnecting");
      await new Promise((resolve) => setTimeout(resolve, this.retryMs));
    }
  }

  async once() {
    this.controller = new AbortController();
    const url = new URL("/api/v1/events", window.location.origin);
    if (this.district) url.searchParams.set("district", this.district);
    const headers = this.api.headers({ Accept: "text/event-stream" });
    if (this.lastId !== null) headers["Last-Event-ID"] = this.lastId;
    const response = await fetch(url, { headers, signal: this.controller.signal, cache: "no-store" });
    if (response.status === 401 && this.api.onUnauthorized) this.api.onUnauthorized();
    if (!response.ok || !response.body) throw new ApiError(response.status, "feed refused");
    this.onState("live");
    const parser = new SseParser((ev) => {
      if (ev.event === "message" && !ev.data) return;
      if (ev.id !== null) this.lastId = ev.id;
      let payload = null;
      try {
        payload = JSON.parse(ev.data);
      } catch {
        return;
      }
      this.onEvent(ev.event, payload);
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(value);
    }
  }
}

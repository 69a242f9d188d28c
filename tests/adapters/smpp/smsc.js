// A scripted SMSC for the SMPP channel tests, on the npm package `smpp` (installed with
// `npm ci --prefix tests/peers/smpp`).
//
// Listens on 127.0.0.1 (port from argv[2], 0 = any free port) and prints one JSON object per line
// on stdout: {"event":"listening","port":N} first, then what the client does (bind, submit,
// enquire_link, deliver_resp, unbind, close). Reads commands as JSON lines on stdin:
//   {"cmd":"set", "refuse_binds":N, "throttle":N, "hold":bool, "msgid_base":"hex"|"dec",
//          "quiet":bool (no submit events; {"cmd":"count"} tells how many were answered),
//          "receipt":"DELIVRD"|"UNDELIV"|... (a receipt right behind each submit_sm_resp that
//          asked for one; null: none)}
//   {"cmd":"count"}                        {"event":"count","answered":N}
//   {"cmd":"release", "count":N}          answer the N oldest held submit_sm with ESME_ROK
//   {"cmd":"deliver", "tag":"x", "fields":{...}, "short_message_hex":"..", "tlvs":{...},
//    "command":"deliver_sm"|"data_sm"}    sent to every bound session; deliver_resp tells the answer
//   {"cmd":"raw", "hex":".."}              write raw bytes to every bound session
//   {"cmd":"cut"}                          drop every connection without unbind
//   {"cmd":"unbind"}                       unbind every bound session
//   {"cmd":"quit"}
// Texts are decoded here with the library's own GSM 03.38 and UCS-2 tables, so that the
// client's encoding is checked by a second implementation.
'use strict';
const path = require('path');
const readline = require('readline');
const smpp = require(require.resolve('smpp', {paths: [path.join(__dirname, '../../peers/smpp')]}));

// Raw short_message / message_payload buffers: the test looks at the bytes.
for (const name of Object.keys(smpp.commands)) {
  const params = smpp.commands[name].params || {};
  if (params.short_message) delete params.short_message.filter;
}
delete smpp.tlvs.message_payload.filter;

// Milliseconds on a monotonic clock, taken when a PDU arrives (before it is answered), so that
// the test can check the client's pauses.
function now() {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

function emit(obj) {
  if (obj.t === undefined) obj.t = now();
  process.stdout.write(JSON.stringify(obj) + '\n');
}

const settings = {refuse_binds: 0, throttle: 0, hold: false, msgid_base: 'hex', quiet: false,
                  receipt: null};
let answered = 0;
const sessions = new Set();
const bound = new Set();
const held = [];
let nextId = 0x9f3c2a10;

function decodeText(dataCoding, buf) {
  if (dataCoding === 8) return smpp.encodings.UCS2.decode(buf);
  if (dataCoding === 0) return smpp.encodings.ASCII.decode(buf);  // GSM 03.38, unpacked
  return smpp.encodings.LATIN1.decode(buf);
}

function tlvsOf(pdu) {
  const out = {};
  for (const key of Object.keys(pdu)) {
    let name = null;
    if (smpp.tlvs[key]) name = key;
    else if (/^\d+$/.test(key)) name = 'tlv_' + Number(key).toString(16).padStart(4, '0');
    if (!name || key === 'message_payload') continue;
    const v = pdu[key];
    out[name] = Buffer.isBuffer(v) ? v.toString('hex') : v;
  }
  return out;
}

function describeSubmit(pdu) {
  let sm = pdu.short_message && pdu.short_message.length ? pdu.short_message : null;
  const payload = pdu.message_payload || null;
  let body = sm || payload || Buffer.alloc(0);
  let udh = Buffer.alloc(0);
  if ((pdu.esm_class & 0x40) && body.length) {
    udh = body.slice(0, body[0] + 1);
    body = body.slice(body[0] + 1);
  }
  return {
    seq: pdu.sequence_number,
    service_type: pdu.service_type,
    source_addr: pdu.source_addr,
    source_addr_ton: pdu.source_addr_ton,
    source_addr_npi: pdu.source_addr_npi,
    destination_addr: pdu.destination_addr,
    dest_addr_ton: pdu.dest_addr_ton,
    dest_addr_npi: pdu.dest_addr_npi,
    esm_class: pdu.esm_class,
    data_coding: pdu.data_coding,
    registered_delivery: pdu.registered_delivery,
    sm_hex: sm ? sm.toString('hex') : '',
    payload_hex: payload ? payload.toString('hex') : '',
    udh_hex: udh.toString('hex'),
    text: decodeText(pdu.data_coding, body),
    tlvs: tlvsOf(pdu),
  };
}

function newMessageId() {
  const n = nextId++;
  return settings.msgid_base === 'dec' ? String(n) : n.toString(16);
}

function answerSubmit(session, pdu, info) {
  const id = newMessageId();
  session.send(pdu.response({message_id: id}));
  info.status = 0;
  info.message_id = id;
  answered++;
  if (!settings.quiet) emit(Object.assign({event: 'submit'}, info));
  if (settings.receipt && (pdu.registered_delivery & 3)) sendReceipt(session, pdu, id);
}

// A receipt in the form of SMPP 3.4 Appendix B, with receipted_message_id and message_state.
function sendReceipt(session, submit, id) {
  const states = {ENROUTE: 1, DELIVRD: 2, EXPIRED: 3, DELETED: 4, UNDELIV: 5, ACCEPTD: 6,
                  UNKNOWN: 7, REJECTD: 8};
  const stat = settings.receipt;
  const text = `id:${id} sub:001 dlvrd:${stat === 'DELIVRD' ? '001' : '000'} ` +
      `submit date:2501091345 done date:2501091346 stat:${stat} err:000 text:`;
  const pdu = new smpp.PDU('deliver_sm', {
    source_addr_ton: submit.dest_addr_ton, source_addr_npi: submit.dest_addr_npi,
    source_addr: submit.destination_addr, destination_addr: submit.source_addr,
    esm_class: 4, short_message: Buffer.from(text, 'latin1'),
    receipted_message_id: id, message_state: states[stat] || 7,
  });
  session.send(pdu, (resp) => {
    emit({event: 'receipt_resp', id, status: resp.command_status});
  });
}

const server = smpp.createServer((session) => {
  sessions.add(session);
  emit({event: 'connection'});
  session.on('error', () => {});
  session.on('close', () => {
    sessions.delete(session);
    bound.delete(session);
    for (let i = held.length - 1; i >= 0; --i) {
      if (held[i].session === session) held.splice(i, 1);
    }
    emit({event: 'close'});
  });
  session.on('bind_transceiver', (pdu) => {
    const info = {event: 'bind', t: now(), system_id: pdu.system_id, password: pdu.password,
                  system_type: pdu.system_type, interface_version: pdu.interface_version};
    if (settings.refuse_binds > 0) {
      settings.refuse_binds--;
      session.send(pdu.response({command_status: smpp.ESME_RBINDFAIL}));
      info.status = smpp.ESME_RBINDFAIL;
      emit(info);
      return;
    }
    session.send(pdu.response({system_id: 'NODESMSC'}));
    bound.add(session);
    info.status = 0;
    emit(info);
  });
  session.on('submit_sm', (pdu) => {
    const info = describeSubmit(pdu);
    info.t = now();
    if (settings.throttle > 0) {
      settings.throttle--;
      session.send(pdu.response({command_status: smpp.ESME_RTHROTTLED}));
      info.status = smpp.ESME_RTHROTTLED;
      emit(Object.assign({event: 'submit'}, info));
      return;
    }
    if (settings.hold) {
      held.push({session, pdu, info});
      info.status = 'held';
      emit(Object.assign({event: 'submit'}, info));
      return;
    }
    answerSubmit(session, pdu, info);
  });
  session.on('enquire_link', (pdu) => {
    session.send(pdu.response());
    emit({event: 'enquire_link', seq: pdu.sequence_number});
  });
  session.on('unbind', (pdu) => {
    session.send(pdu.response());
    emit({event: 'unbind'});
    session.close();
  });
  session.on('unbind_resp', () => emit({event: 'unbind_resp'}));
  session.on('generic_nack', (pdu) => emit({event: 'generic_nack', status: pdu.command_status,
                                             seq: pdu.sequence_number}));
});

function deliver(cmd) {
  const fields = Object.assign({}, cmd.fields || {});
  if (cmd.short_message_hex !== undefined) fields.short_message = Buffer.from(cmd.short_message_hex.replace(/\s/g, ''), 'hex');
  for (const [name, value] of Object.entries(cmd.tlvs || {})) {
    const def = smpp.tlvs[name];
    if (!def) continue;
    fields[name] = typeof value === 'string' && def.type === smpp.types.tlv.buffer
        ? Buffer.from(value, 'hex') : value;
  }
  let sent = 0;
  for (const session of bound) {
    const pdu = new smpp.PDU(cmd.command || 'deliver_sm', fields);
    session.send(pdu, (resp) => {
      emit({event: 'deliver_resp', tag: cmd.tag, seq: resp.sequence_number,
            status: resp.command_status});
    });
    sent++;
  }
  if (!sent) emit({event: 'deliver_failed', tag: cmd.tag, why: 'no bound session'});
}

const rl = readline.createInterface({input: process.stdin});
rl.on('line', (line) => {
  if (!line.trim()) return;
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch (e) {
    emit({event: 'error', why: 'bad command: ' + line});
    return;
  }
  switch (cmd.cmd) {
    case 'set':
      for (const k of Object.keys(settings)) if (k in cmd) settings[k] = cmd[k];
      emit({event: 'ok', cmd: 'set'});
      break;
    case 'release': {
      const n = Math.min(cmd.count || held.length, held.length);
      for (const h of held.splice(0, n)) answerSubmit(h.session, h.pdu, h.info);
      emit({event: 'ok', cmd: 'release', count: n});
      break;
    }
    case 'count':
      emit({event: 'count', answered});
      break;
    case 'deliver':
      deliver(cmd);
      break;
    case 'raw':
      for (const sess of bound) sess.socket.write(Buffer.from(cmd.hex.replace(/\s/g, ''), 'hex'));
      emit({event: 'ok', cmd: 'raw'});
      break;
    case 'cut':
      for (const s of sessions) s.socket.destroy();
      emit({event: 'ok', cmd: 'cut'});
      break;
    case 'unbind':
      for (const s of bound) s.unbind();
      emit({event: 'ok', cmd: 'unbind'});
      break;
    case 'quit':
      process.exit(0);
  }
});
rl.on('close', () => process.exit(0));

server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  emit({event: 'listening', port: server.address().port});
});

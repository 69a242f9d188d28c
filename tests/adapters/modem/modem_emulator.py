#!/usr/bin/python3
"""A GSM modem on a pseudo-terminal, for tests: AT commands per 3GPP TS 27.005 / 27.007 in PDU
mode, with a SIM (PIN, message storage), a network (signal, registration, service centre) and an
SMSC that takes SMS-SUBMITs and later sends status reports.

The device appears at --link (a symlink to the pty slave), so that "unplug" can make it vanish
and "replug" bring a fresh pty back at the same path. Tests drive the emulator through JSON lines
on the unix socket --control; every request gets one JSON line back. "wait" requests are answered
when their condition holds (or with an error after their timeout), so tests wait on events.

Control requests ({"op": ...}):
  deliver        {"from", "text", "unicode"?, "store_only"?, "only_parts"?, "copies"?}: the network
                 delivers an SMS (split into parts as needed): stored with +CMTI (+CNMI mt=1), or
                 routed as +CMT (mt=2); store_only stores silently (as while the host was away);
                 copies stores each PDU that many times (the same bytes at several indexes).
  status_report  {"mr", "st"?, "to"?}: the SMSC reports on a submitted message: +CDS (ds=1) or
                 stored with +CDSI (ds=2).
  urc            {"lines": [...]}: emits unsolicited lines now.
  set            {"noise"?, "hang"?, "swallow"?, "csq"?, "creg"?, "fail_cmgs"?: [codes], "smsc"?,
                 "ignore"?: [prefixes], "mute_prompt"?}: fail_cmgs answers the next AT+CMGS
                 with +CMS ERROR: <code>, or +CME ERROR: <code> for ["CME", code]; noise puts
                 ^RSSI/^MODE lines inside
                 every response; hang swallows commands unanswered; swallow ignores the next n
                 commands; ignore leaves commands starting with one of the prefixes unanswered
                 (and undone); mute_prompt makes AT+CMGS wait for its PDU without saying "> "
                 (as a modem whose host died right after the command).
  unplug/replug  the device vanishes / comes back at the same path (SIM storage is kept, the
                 modem state is reset as at power-on).
  state          storage, submitted (decoded), commands (and their arrival times), deleted, bad
                 PDUs, +CNMI, PIN state.
  wait           {"for": "submitted"|"command"|"storage"|"deleted", "count", "match"?,
                 "timeout"?}: answered with the state once the condition holds.
  decode         {"pdu"}: gammu's reading of a PDU.

PDUs are encoded and decoded with python-gammu, an implementation independent of ours, except
SMS-STATUS-REPORT which gammu cannot encode: that one is built here from 3GPP TS 23.040 §9.2.2.3.

Runs under the system Python (/usr/bin/python3), where python3-gammu is installed.
"""

import argparse
import datetime
import json
import os
import pty
import selectors
import socket
import sys
import time
import tty

import gammu

CTRL_Z = 0x1A
ESC = 0x1B


GSM7_EXTENSION = set('^{}\\[~]|\u20ac\x0c')


def gammu_text(d):
    """The text of a gammu-decoded PDU. For GSM 7-bit, gammu decodes 'Length' septets into as
    many characters, so each two-septet extension character (23.038 §6.2.1.1) leaves one junk
    character at the end: cut them off."""
    text = d['Text']
    if not d['Coding'].startswith('Default'):
        return text
    n, k = d['Length'], 0
    while True:
        k2 = sum(1 for c in text[:n - k] if c in GSM7_EXTENSION)
        if k2 == k:
            return text[:n - k]
        k = k2


def encode_address(number):
    """TP-OA/TP-DA/TP-RA (23.040 §9.1.2.5): length in digits, type, swapped BCD."""
    intl = number.startswith('+')
    digits = number.lstrip('+')
    semi = digits + ('F' if len(digits) % 2 else '')
    swapped = ''.join(semi[i + 1] + semi[i] for i in range(0, len(semi), 2))
    return '%02X%02X%s' % (len(digits), 0x91 if intl else 0x81, swapped)


def encode_smsc(number):
    """The SMSC prefix of a PDU-mode PDU (27.005 §3.1 <pdu>): length in octets incl. the type."""
    if not number:
        return '00'
    a = encode_address(number)
    return '%02X%s' % (len(a[4:]) // 2 + 1, a[2:])


def encode_timestamp(t):
    """TP-SCTS / TP-DT (23.040 §9.2.3.11): swapped BCD, time zone in quarter hours (UTC here)."""
    s = ''
    for v in (t.year % 100, t.month, t.day, t.hour, t.minute, t.second, 0):
        d = '%02d' % v
        s += d[1] + d[0]
    return s


def status_report_pdu(smsc, mr, recipient, st, when):
    """SMS-STATUS-REPORT (23.040 §9.2.2.3): first octet 06 (MTI 10, MMS), MR, RA, SCTS, DT, ST."""
    tpdu = '06%02X%s%s%s%02X' % (mr, encode_address(recipient), encode_timestamp(when),
                                 encode_timestamp(when + datetime.timedelta(seconds=30)), st)
    return encode_smsc(smsc) + tpdu, len(tpdu) // 2


class Modem:
    def __init__(self, args):
        self.args = args
        self.sel = selectors.DefaultSelector()
        self.master = self.slave = None
        self.storage = {}          # index -> {"stat": int, "pdu": hex with SMSC, "length": int}
        self.submitted = []        # decoded SMS-SUBMITs in arrival order
        self.commands = []         # every AT command line received
        self.command_times = []    # when each arrived (time.monotonic(), seconds)
        self.deleted = []          # indexes deleted by AT+CMGD
        self.next_mr = args.first_mr
        self.waiters = []
        self.smsc = args.smsc
        self.csq = args.csq
        self.creg = args.creg
        self.noise = False
        self.hang = False
        self.swallow = args.swallow
        self.fail_cmgs = []
        self.ignore = []
        self.mute_prompt = False
        self.plugged = False
        self.reset()

    # --- the device -------------------------------------------------------------------------

    def reset(self):
        """Power-on defaults: echo on, no indications, no PIN entered (27.007 §8.3)."""
        self.echo = True
        self.cmee = 0
        self.cmgf = 0
        self.cnmi = [0, 0, 0, 0, 0]
        self.pin_state = 'SIM PIN' if self.args.pin else 'READY'
        self.pin_tries = 3
        self.inbuf = b''
        self.prompt_len = None

    def plug(self):
        self.master, self.slave = pty.openpty()
        tty.setraw(self.slave)
        os.set_blocking(self.master, False)
        name = os.ttyname(self.slave)
        tmp = self.args.link + '.tmp'
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(name, tmp)
        os.replace(tmp, self.args.link)
        self.sel.register(self.master, selectors.EVENT_READ, self.on_device)
        self.plugged = True
        self.reset()

    def unplug(self):
        if not self.plugged:
            return
        self.sel.unregister(self.master)
        os.close(self.master)
        os.close(self.slave)
        if os.path.lexists(self.args.link):
            os.unlink(self.args.link)
        self.plugged = False

    def out(self, data):
        if self.plugged:
            try:
                os.write(self.master, data.encode() if isinstance(data, str) else data)
            except OSError:
                pass

    def respond(self, lines, final='OK'):
        """Information lines then the final result code, V.250 verbose framing."""
        buf = ''
        for line in lines:
            buf += '\r\n' + line + '\r\n'
            if self.noise:
                buf += '\r\n^RSSI:%d\r\n' % self.csq
        if self.noise:
            buf += '\r\n^MODE:5,4\r\n'
        buf += '\r\n' + final + '\r\n'
        self.out(buf)

    # 27.007 section 9.2.1's texts of the codes this emulator answers with.
    CME_TEXTS = {3: 'operation not allowed', 12: 'SIM PUK required', 16: 'incorrect password'}

    def error(self, kind, code):
        if self.cmee == 0 and not self.args.verbose_errors:
            return 'ERROR'
        if kind == 'CME' and (self.cmee == 2 or self.args.verbose_errors):
            return '+CME ERROR: ' + self.CME_TEXTS[code]
        return '+%s ERROR: %d' % (kind, code)

    def on_device(self):
        try:
            data = os.read(self.master, 4096)
        except OSError:
            return
        self.inbuf += data
        while self.inbuf:
            if self.prompt_len is not None:
                end = min([i for i in (self.inbuf.find(bytes([CTRL_Z])), self.inbuf.find(bytes([ESC])))
                           if i >= 0], default=-1)
                if end < 0:
                    return
                body, term = self.inbuf[:end], self.inbuf[end]
                self.inbuf = self.inbuf[end + 1:]
                length, self.prompt_len = self.prompt_len, None
                if term == ESC:
                    self.respond([])  # 27.005 §3.5.1: ESC cancels the send
                else:
                    self.submit(body.decode(errors='replace').strip(), length)
                continue
            cr = self.inbuf.find(b'\r')
            if cr < 0:
                return
            line = self.inbuf[:cr].decode(errors='replace').strip('\n ').strip()
            self.inbuf = self.inbuf[cr + 1:]
            if not line:
                continue
            self.commands.append(line)
            self.command_times.append(time.monotonic())
            if self.hang or any(line.upper().startswith(p.upper()) for p in self.ignore):
                continue
            if self.swallow > 0:  # a modem waking up ignores its first commands
                self.swallow -= 1
                continue
            if self.echo:
                self.out(line + '\r')
            self.command(line)

    def command(self, line):
        up = line.upper()
        if not up.startswith('AT'):
            self.respond([], 'ERROR')
            return
        cmd = up[2:]
        sim_ok = self.pin_state == 'READY'
        if cmd in ('', 'Z', 'E0V1', '&F'):
            self.respond([])
        elif cmd in ('E0', 'E1'):
            self.echo = cmd == 'E1'
            self.respond([])
        elif cmd.startswith('+CMEE='):
            self.cmee = int(cmd[6:] or 0)
            self.respond([])
        elif cmd == '+CPIN?':
            self.respond(['+CPIN: ' + self.pin_state])
        elif cmd.startswith('+CPIN='):
            self.enter_pin(line[8:].strip().strip('"'))
        elif cmd == '+CGMI':
            self.respond([self.args.manufacturer])
        elif cmd == '+CGMM':
            self.respond([self.args.model])
        elif cmd == '+CGMR':
            self.respond(['11.126.16.00.00'])
        elif cmd == '+CGSN':
            self.respond(['356789012345678'])
        elif cmd == '+CSQ':
            self.respond(['+CSQ: %d,99' % self.csq])
        elif cmd == '+CREG?':
            self.respond(['+CREG: 0,%d' % (self.creg if sim_ok else 0)])
        elif cmd.startswith('+CREG='):
            self.respond([])
        elif cmd.startswith('+CMGF='):
            self.cmgf = int(cmd[6:])
            self.respond([])
        elif cmd.startswith('+CSCS='):
            self.respond([])
        elif not sim_ok and cmd.startswith(('+CSCA', '+CPMS', '+CMG', '+CNMI', '+CSMS')):
            self.respond([], self.error('CMS', 311))  # SIM PIN required
        elif cmd == '+CSCA?':
            self.respond(['+CSCA: "%s",145' % self.smsc])
        elif cmd.startswith('+CSCA='):
            self.smsc = line[8:].split(',')[0].strip('"')
            self.respond([])
        elif cmd == '+CPMS?':
            u, t = len(self.storage), self.args.storage_size
            self.respond(['+CPMS: "SM",%d,%d,"SM",%d,%d,"SM",%d,%d' % (u, t, u, t, u, t)])
        elif cmd.startswith('+CPMS='):
            u, t = len(self.storage), self.args.storage_size
            self.respond(['+CPMS: %d,%d,%d,%d,%d,%d' % (u, t, u, t, u, t)])
        elif cmd.startswith('+CSMS='):
            self.respond(['+CSMS: 1,1,1'])
        elif cmd.startswith('+CNMI='):
            vals = [int(v or 0) for v in cmd[6:].split(',')]
            self.cnmi = (vals + [0] * 5)[:5]
            self.respond([])
        elif cmd.startswith('+CMGL='):
            if self.cmgf != 0:
                self.respond([], self.error('CMS', 302))
                return
            want = int(cmd[6:])
            lines = []
            for idx in sorted(self.storage):
                m = self.storage[idx]
                if want == 4 or m['stat'] == want:
                    lines += ['+CMGL: %d,%d,,%d' % (idx, m['stat'], m['length']), m['pdu']]
                    if m['stat'] == 0:
                        m['stat'] = 1
            self.respond(lines)
        elif cmd.startswith('+CMGR='):
            idx = int(cmd[6:])
            m = self.storage.get(idx)
            if m is None or self.cmgf != 0:
                self.respond([], self.error('CMS', 321))
                return
            self.respond(['+CMGR: %d,,%d' % (m['stat'], m['length']), m['pdu']])
            if m['stat'] == 0:
                m['stat'] = 1
        elif cmd.startswith('+CMGD='):
            parts = cmd[6:].split(',')
            idx = int(parts[0])
            flag = int(parts[1]) if len(parts) > 1 else 0
            if flag:
                self.respond([], self.error('CMS', 303))  # this emulator deletes one at a time
                return
            if idx in self.storage:
                del self.storage[idx]
                self.deleted.append(idx)
            self.respond([])
        elif cmd.startswith('+CMGS='):
            if self.cmgf != 0:
                self.respond([], self.error('CMS', 302))
                return
            self.prompt_len = int(cmd[6:])
            if not self.mute_prompt:
                self.out('\r\n> ')
        else:
            self.respond([], 'ERROR')

    def enter_pin(self, pin):
        if self.pin_state == 'READY':
            self.respond([], self.error('CME', 3))
        elif self.pin_state != 'SIM PIN':
            self.respond([], self.error('CME', 12))  # SIM PUK required
        elif pin == self.args.pin:
            self.pin_state = 'READY'
            self.respond([])
        else:
            self.pin_tries -= 1
            if self.pin_tries == 0:
                self.pin_state = 'SIM PUK'
            self.respond([], self.error('CME', 16))  # incorrect password

    def submit(self, hexpdu, length):
        try:
            raw = bytes.fromhex(hexpdu)
            smsc_len = raw[0]
            tpdu = raw[1 + smsc_len:]
            if len(tpdu) != length:
                raise ValueError('length %d, TPDU has %d octets' % (length, len(tpdu)))
            d = gammu.DecodePDU(raw, SMSC=True)
        except Exception as e:  # a bad PDU is the client's bug: 27.005 §3.2.5 code 304
            self.submitted_bad = getattr(self, 'submitted_bad', []) + [{'pdu': hexpdu, 'error': str(e)}]
            self.respond([], self.error('CMS', 304))
            return
        if self.fail_cmgs:
            fail = self.fail_cmgs.pop(0)
            kind, code = fail if isinstance(fail, list) else ('CMS', fail)
            self.respond([], self.error(kind, code))
            return
        mr = self.next_mr
        self.next_mr = (self.next_mr + 1) % 256
        udh = d['UDH']
        self.submitted.append({
            'mr': mr, 'pdu': hexpdu, 'number': d['Number'], 'text': gammu_text(d),
            'coding': d['Coding'], 'srr': bool(tpdu[0] & 0x20),
            'part': udh.get('PartNumber', -1), 'parts': udh.get('AllParts', 0),
            'ref': udh.get('ID8bit', -1) if udh.get('ID8bit', -1) >= 0 else udh.get('ID16bit', -1),
        })
        self.respond(['+CMGS: %d' % mr])

    # --- the network side -------------------------------------------------------------------

    def store(self, pdu, length, stat=0):
        for idx in range(self.args.index_base, self.args.index_base + self.args.storage_size):
            if idx not in self.storage:
                self.storage[idx] = {'stat': stat, 'pdu': pdu, 'length': length}
                return idx
        return None

    def deliver_pdus(self, sender, text, unicode=None):
        def encode(uni):
            return gammu.EncodeSMS({'Class': -1, 'Unicode': uni,
                                    'Entries': [{'ID': 'ConcatenatedTextLong', 'Buffer': text}]})
        if unicode is None:
            parts = encode(False)
            back = ''.join(gammu_text(gammu.DecodePDU(self.pdu_of(p, sender), SMSC=True)) for p in parts)
            if back != text:
                parts = encode(True)
        else:
            parts = encode(unicode)
        return [self.pdu_of(p, sender) for p in parts]

    def pdu_of(self, part, sender):
        m = {'Folder': 1, 'InboxFolder': 1, 'Memory': 'SM', 'Location': 0, 'Name': '', 'State': 'UnRead',
             'ReplyViaSameSMSC': 0, 'RejectDuplicates': 0, 'ReplaceMessage': 0, 'MessageReference': 0,
             'DeliveryStatus': 0, 'Class': -1}
        m.update(part)
        when = datetime.datetime(2025, 1, 2, 3, 4, 5) + datetime.timedelta(seconds=len(self.commands))
        m.update(SMSC={'Location': 0, 'Number': self.smsc}, Number=sender, Type='Deliver',
                 DateTime=when, SMSCDateTime=when)
        return gammu.EncodePDU(m, Layout='Deliver')

    def deliver(self, req):
        pdus = self.deliver_pdus(req['from'], req['text'], req.get('unicode'))
        if 'only_parts' in req:  # a network that lost some parts of a long message
            pdus = [p for n, p in enumerate(pdus, 1) if n in req['only_parts']]
        indexes = []
        for raw in pdus:
            smsc_len = raw[0]
            length = len(raw) - 1 - smsc_len
            hexpdu = raw.hex().upper()
            if self.cnmi[1] == 2 and not req.get('store_only'):
                self.out('\r\n+CMT: ,%d\r\n%s\r\n' % (length, hexpdu))  # 27.005 §3.4.1
                continue
            for _ in range(req.get('copies', 1)):
                idx = self.store(hexpdu, length)
                if idx is None:
                    return {'ok': False, 'error': 'storage full', 'indexes': indexes}
                indexes.append(idx)
                if self.cnmi[1] in (1, 3) and not req.get('store_only'):
                    self.out('\r\n+CMTI: "SM",%d\r\n' % idx)
        return {'ok': True, 'indexes': indexes, 'parts': len(pdus)}

    def status_report(self, req):
        sub = next((s for s in reversed(self.submitted) if s['mr'] == req['mr']), None)
        to = req.get('to') or (sub['number'] if sub else '+0')
        pdu, length = status_report_pdu(self.smsc, req['mr'], to, req.get('st', 0),
                                        datetime.datetime(2025, 1, 9, 13, 45, 7))
        ds = self.cnmi[3]
        if ds == 1:
            self.out('\r\n+CDS: %d\r\n%s\r\n' % (length, pdu))
            return {'ok': True, 'pdu': pdu}
        if ds == 2:
            idx = self.store(pdu, length)
            if idx is None:
                return {'ok': False, 'error': 'storage full'}
            self.out('\r\n+CDSI: "SM",%d\r\n' % idx)
            return {'ok': True, 'pdu': pdu, 'index': idx}
        return {'ok': False, 'error': 'status reports not enabled (+CNMI ds=0)'}

    # --- control channel --------------------------------------------------------------------

    def snapshot(self):
        return {'storage': {str(k): v for k, v in sorted(self.storage.items())},
                'submitted': self.submitted, 'commands': self.commands,
                'command_times': self.command_times, 'deleted': self.deleted,
                'bad': getattr(self, 'submitted_bad', []), 'cnmi': self.cnmi,
                'pin_state': self.pin_state, 'plugged': self.plugged}

    def condition(self, req):
        what, n = req['for'], req.get('count', 1)
        if what == 'submitted':
            return len(self.submitted) >= n
        if what == 'command':
            return sum(1 for c in self.commands if c.upper().startswith(req['match'].upper())) >= n
        if what == 'storage':
            return len(self.storage) == n
        if what == 'deleted':
            return len(self.deleted) >= n
        raise ValueError('unknown wait: ' + what)

    def control(self, req):
        op = req.get('op')
        if op == 'deliver':
            return self.deliver(req)
        if op == 'status_report':
            return self.status_report(req)
        if op == 'urc':
            self.out(''.join('\r\n%s\r\n' % line for line in req['lines']))
            return {'ok': True}
        if op == 'set':
            for key in ('noise', 'hang', 'swallow', 'csq', 'creg', 'fail_cmgs', 'smsc', 'ignore',
                        'mute_prompt'):
                if key in req:
                    setattr(self, key, req[key])
            return {'ok': True}
        if op == 'unplug':
            self.unplug()
            return {'ok': True}
        if op == 'replug':
            self.unplug()
            self.plug()
            return {'ok': True}
        if op == 'state':
            return dict(self.snapshot(), ok=True)
        if op == 'decode':
            d = gammu.DecodePDU(bytes.fromhex(req['pdu']), SMSC=True)
            return {'ok': True, 'type': d['Type'], 'text': gammu_text(d), 'number': d['Number'],
                    'mr': d['MessageReference']}
        return {'ok': False, 'error': 'unknown op %r' % op}

    def on_accept(self, server):
        conn, _ = server.accept()
        conn.setblocking(False)
        self.sel.register(conn, selectors.EVENT_READ, lambda: self.on_client(conn, bufs))
        bufs = [b'']

    def on_client(self, conn, bufs):
        try:
            data = conn.recv(65536)
        except OSError:
            data = b''
        if not data:
            self.sel.unregister(conn)
            conn.close()
            return
        bufs[0] += data
        while b'\n' in bufs[0]:
            line, bufs[0] = bufs[0].split(b'\n', 1)
            if not line.strip():
                continue
            try:
                req = json.loads(line)
                if req.get('op') == 'wait':
                    self.waiters.append((conn, req, time.monotonic() + req.get('timeout', 20)))
                    continue
                reply = self.control(req)
            except Exception as e:  # report, never die on a bad request
                reply = {'ok': False, 'error': repr(e)}
            self.send(conn, reply)

    def send(self, conn, obj):
        conn.setblocking(True)
        conn.sendall((json.dumps(obj) + '\n').encode())
        conn.setblocking(False)

    def check_waiters(self):
        now = time.monotonic()
        keep = []
        for conn, req, deadline in self.waiters:
            try:
                done = self.condition(req)
            except Exception as e:
                self.send(conn, {'ok': False, 'error': repr(e)})
                continue
            if done:
                self.send(conn, dict(self.snapshot(), ok=True))
            elif now > deadline:
                self.send(conn, dict(self.snapshot(), ok=False, error='timeout waiting for %s' % req))
            else:
                keep.append((conn, req, deadline))
        self.waiters = keep

    def run(self):
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if os.path.exists(self.args.control):
            os.unlink(self.args.control)
        server.bind(self.args.control)
        server.listen(4)
        server.setblocking(False)
        self.sel.register(server, selectors.EVENT_READ, lambda: self.on_accept(server))
        self.plug()
        for req in self.args.preload or []:
            self.deliver(dict(json.loads(req), store_only=True))
        print('READY', flush=True)
        while True:
            for key, _ in self.sel.select(timeout=0.05 if self.waiters else None):
                key.data()
            self.check_waiters()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--link', required=True, help='path of the device symlink')
    ap.add_argument('--control', required=True, help='unix socket for the test')
    ap.add_argument('--pin', default='')
    ap.add_argument('--smsc', default='+6281100000')
    ap.add_argument('--manufacturer', default='huawei')
    ap.add_argument('--model', default='E173')
    ap.add_argument('--csq', type=int, default=20)
    ap.add_argument('--creg', type=int, default=1)
    ap.add_argument('--storage-size', type=int, default=10)
    ap.add_argument('--index-base', type=int, default=1)
    ap.add_argument('--first-mr', type=int, default=1)
    ap.add_argument('--verbose-errors', action='store_true',
                    help='+CME ERROR in words whatever AT+CMEE asks (as some modems do)')
    ap.add_argument('--swallow', type=int, default=0, help='commands ignored after start')
    ap.add_argument('--preload', action='append', help='JSON {"from","text"} stored before start')
    args = ap.parse_args()
    try:
        Modem(args).run()
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    sys.exit(main())

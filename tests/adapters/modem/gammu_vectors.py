#!/usr/bin/python3
"""Gammu (libgammu through python-gammu) as an independent SMS PDU implementation.

The codec tests run this script to check agreement in both directions:

  gammu_vectors.py encode < requests   one JSON object per line:
      {"text": str, "number": str, "unicode": bool, "ref16": bool, "layout": "Submit"|"Deliver"}
    prints one JSON object per line: {"pdus": [hex, ...], "ref": n} (the concatenation
    reference Gammu chose, -1 for a single message). Relative validity 4 days; DELIVERs carry
    the timestamp 2025-01-09 13:45:07.

  gammu_vectors.py decode < pdus       one hex PDU per line, SMSC part included
    prints one JSON object per line with the fields Gammu decoded ("error" if it refused).

Exit status 77 when python-gammu is not installed.
"""
import binascii
import datetime
import json
import sys

try:
    import gammu
except ImportError:
    sys.exit(77)


def encode(req):
    entry = "ConcatenatedTextLong16bit" if req.get("ref16") else "ConcatenatedTextLong"
    msgs = gammu.EncodeSMS({"Class": -1, "Unicode": bool(req["unicode"]),
                            "Entries": [{"ID": entry, "Buffer": req["text"]}]})
    layout = req.get("layout", "Submit")
    pdus = []
    ref = -1
    for m in msgs:
        m["Number"] = req["number"]
        m["SMSC"] = {"Location": 0, "Number": "", "Validity": "4D"}
        m["Type"] = layout
        m["DateTime"] = datetime.datetime(2025, 1, 9, 13, 45, 7)
        udh = m["UDH"]
        if udh["Type"] == "ConcatenatedMessages":
            ref = udh["ID8bit"]
        elif udh["Type"] == "ConcatenatedMessages16bit":
            ref = udh["ID16bit"]
        pdus.append(binascii.hexlify(gammu.EncodePDU(m, layout)).decode().upper())
    return {"pdus": pdus, "ref": ref}


# Characters of the GSM 7-bit extension table (3GPP TS 23.038 §6.2.1.1): two septets each.
EXTENSION = "\f^{}\\[~]|\u20ac"


def cut_to_septets(text, septets):
    """Gammu 1.42's DecodePDU returns as many characters as TP-UDL has septets, so a text with
    extension characters comes back followed by filler; keep the characters that fill
    `septets`."""
    out = []
    used = 0
    for ch in text:
        if used >= septets:
            break
        used += 2 if ch in EXTENSION else 1
        out.append(ch)
    return "".join(out)


def decode(hex_pdu):
    try:
        d = gammu.DecodePDU(binascii.unhexlify(hex_pdu), True)
    except Exception as e:  # gammu raises its own error types
        return {"error": str(e)}
    text = d["Text"]
    if d["Coding"] == "Default_No_Compression" and isinstance(text, str):
        text = cut_to_septets(text, d["Length"])
    if isinstance(text, bytes):
        text = binascii.hexlify(text).decode().upper()
    udh = d["UDH"]
    out = {
        "type": d["Type"],
        "number": d["Number"],
        "text": text,
        "coding": d["Coding"],
        "class": d["Class"],
        "smsc": d["SMSC"]["Number"],
        "udh_type": udh["Type"],
        "ref": udh["ID16bit"] if udh["Type"] == "ConcatenatedMessages16bit" else udh["ID8bit"],
        "part": udh["PartNumber"],
        "total": udh["AllParts"],
        "message_reference": d["MessageReference"],
        "status": d["DeliveryStatus"],
    }
    for key in ("DateTime", "SMSCDateTime"):
        if d["Type"] != "Submit" and d.get(key) is not None:
            out[key] = d[key].strftime("%Y-%m-%d %H:%M:%S")
    return out


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        if mode == "encode":
            result = encode(json.loads(line))
        elif mode == "decode":
            result = decode(line)
        else:
            sys.exit("usage: gammu_vectors.py encode|decode < input")
        print(json.dumps(result, ensure_ascii=True))


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# One-off derivation of the CJK fonts shipped in templates/fonts/. Not run by the build or CI: the
# output files are committed. Re-run only to change the character set, then commit the results.
#
# Source: Debian package fonts-noto-cjk (Noto Serif CJK SC Regular and Noto Sans CJK SC Bold, SIL OFL
# 1.1, no Reserved Font Name). The .ttc collections cannot be shipped to Windows offices as they are
# (26 MB and 20 MB, five languages each), so we cut the Simplified Chinese member down to:
#   - GB 2312 (6,763 hanzi plus its symbols, kana, Greek, Cyrillic), enumerated with Python's codec;
#   - 通用规范汉字表 (2013, 8,105 hanzi: takes in name characters such as 䶮 and 堃 that GB 2312
#     lacks), from the kTGH field of Debian's unicode-data Unihan_OtherMappings.txt;
#   - ASCII, Latin-1, general punctuation, CJK symbols and punctuation, full-width forms, circled
#     numbers, Roman numerals, ㎡/℃-style units and a few shapes.
# Layout tables are dropped (CJK body text needs no shaping; fontkit lays text out faster without
# them) and hints are dropped (print only, and the embedded subsets get smaller).
#
# Needs: apt-get install -y fonts-noto-cjk fonttools unicode-data
set -euo pipefail
cd "$(dirname "$0")/.."

SRC=/usr/share/fonts/opentype/noto
OUT=templates/fonts
UNIHAN=/usr/share/unicode/Unihan_OtherMappings.txt.bz2
PY=/usr/bin/python3 # Debian's python3, which has fontTools from the fonttools package
mkdir -p "$OUT"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$PY" - "$UNIHAN" > "$work/unicodes.txt" <<'PYEOF'
import bz2, sys
cps = set()
# GB 2312: every valid two-byte code (rows 0xA1-0xF7, cells 0xA1-0xFE).
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            cps.update(ord(c) for c in bytes([hi, lo]).decode('gb2312'))
        except UnicodeDecodeError:
            pass
# 通用规范汉字表 (kTGH).
with bz2.open(sys.argv[1], 'rt', encoding='utf-8') as f:
    for line in f:
        parts = line.split('\t')
        if len(parts) >= 2 and parts[1] == 'kTGH':
            cps.add(int(parts[0][2:], 16))
ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x2010, 0x205E), (0x2100, 0x218F), (0x2190, 0x21FF),
          (0x2200, 0x22FF), (0x2460, 0x24FF), (0x2500, 0x257F), (0x25A0, 0x25FF), (0x2605, 0x2606),
          (0x3000, 0x303F), (0x3200, 0x33FF), (0xFE10, 0xFE1F), (0xFE30, 0xFE4F), (0xFF01, 0xFFEF)]
for a, b in ranges:
    cps.update(range(a, b + 1))
print(','.join('U+%04X' % c for c in sorted(cps)))
PYEOF

subset() { # collection, member index, output file
  pyftsubset "$1" --font-number="$2" --unicodes-file="$work/unicodes.txt" \
    --layout-features='' --no-hinting --desubroutinize --name-IDs='*' --name-languages='*' \
    --notdef-outline --recommended-glyphs --output-file="$3"
}
# Member 2 of each collection is the SC (Simplified Chinese) face.
subset "$SRC/NotoSerifCJK-Regular.ttc" 2 "$OUT/NotoSerifCJKsc-Regular-subset.otf"
subset "$SRC/NotoSansCJK-Bold.ttc" 2 "$OUT/NotoSansCJKsc-Bold-subset.otf"

# The licence travels with the fonts (OFL 1.1 §2); Debian's copyright file carries the full text.
"$PY" - > "$OUT/OFL.txt" <<'PYEOF'
import re
text = open('/usr/share/doc/fonts-noto-cjk/copyright', encoding='utf-8').read()
body = text.split('License: SIL-1.1\n', 2)[2]
lines = []
for l in body.splitlines():
    if not l.startswith(' '):
        break # the next paragraph of the copyright file (Debian's own GPL part) is not ours
    lines.append(re.sub(r'^ \.?', '', l))
print('Noto Serif CJK SC: Copyright © 2017-2022 Adobe (http://www.adobe.com/).')
print('Noto Sans CJK SC: Copyright © 2014-2021 Adobe (http://www.adobe.com/).')
print('Noto is a trademark of Google Inc.')
print('The files in this folder are subsets made by scripts/build-font.sh; no Reserved Font Name applies.\n')
print('\n'.join(lines))
PYEOF
ls -l "$OUT"

#!/usr/bin/env python3
"""Words Lectern glued across a PDF line break, counted against poppler's pdftotext.

A word of Lectern's text counts as glued when pdftotext never shows it, but shows the last word of one
line and the first word of the next that together spell it (`informationis`, `ed.The`). Words that
pdftotext dehyphenates are not counted, so Lectern joining `infor-`/`mation` is not a glue.

    ./mvnw test -Pbench -Dtest='ExtractionBenchmarkTest#sharedSampleDocumentsInAChild' \
        -Dlectern.sample-output=/tmp/texts
    python3 bench/pdf-glued-words.py /tmp/texts ../shared/documents/*.pdf

Needs pdftotext (apt-get install poppler-utils); Lectern itself does not.
"""
import collections
import os
import re
import subprocess
import sys

CJK = re.compile('[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]')


def main(texts, pdfs):
    print(f"| {'file':30} | glued | sentence joins (`ed.The`) | e.g. |")
    print(f"|{'-' * 32}|------:|------:|---|")
    for pdf in pdfs:
        name = os.path.basename(pdf)
        path = os.path.join(texts, name + '.txt')
        if not os.path.exists(path):
            continue
        ours = open(path, encoding='utf-8').read()
        if ours.startswith('FAILED'):
            print(f"| {name:30} | failed | | {ours[8:70]}… |")
            continue
        reference = subprocess.run(['pdftotext', '-enc', 'UTF-8', pdf, '-'], capture_output=True, text=True,
                                   check=True).stdout
        words = set(reference.split())
        lines = [line.split() for line in reference.splitlines() if line.strip()]
        across = set(a[-1] + b[0] for a, b in zip(lines, lines[1:]))
        # Chinese and Japanese write words without spaces: a join there is no glue.
        glued = collections.Counter(w for w in ours.split() if w not in words and w in across and not CJK.search(w))
        sentences = sum(n for w, n in glued.items() if re.search(r'[a-z][.!?][A-Z]', w))
        examples = ', '.join(f'`{w}`' for w, _ in glued.most_common(4))
        print(f"| {name:30} | {sum(glued.values()):5d} | {sentences:5d} | {examples} |")


if __name__ == '__main__':
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])

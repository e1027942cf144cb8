#!/usr/bin/env python3
"""The layering check: every #include in src/ must follow the rules that
docs/architecture.md draws (its tables between the "layering:" markers),
and no SQL may appear outside src/store/.

Usage: check_layers.py REPO_ROOT
Exit status 0 when every rule holds; otherwise one line per violation
("src/FILE:LINE: RULE") and status 1.  The rules live in the document, so
the document and the check cannot drift apart: change one, the other
follows or this fails.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
STORE_CALL = re.compile(r'\bstore_[a-z_]+\s*\(')
SQL = re.compile(r'\bsqlite3_[a-z_0-9]+\s*\(|\bPQ[a-z][A-Za-z]*\s*\(|<sqlite3\.h>|<libpq-fe\.h>')


def table(doc, name):
    """Rows (lists of cells) of the markdown table between
    <!-- layering:NAME --> and <!-- /layering:NAME -->."""
    m = re.search(r'<!-- layering:%s -->(.*?)<!-- /layering:%s -->' % (name, name), doc, re.S)
    if not m:
        sys.exit('docs/architecture.md: no "layering:%s" table' % name)
    rows = []
    for line in m.group(1).splitlines():
        line = line.strip()
        if not line.startswith('|') or set(line) <= set('|-: '):
            continue
        rows.append([c.strip() for c in line.strip('|').split('|')])
    return rows[1:]  # without the header


def words(cell):
    """`a`, `b` or "—" -> ['a', 'b']."""
    return re.findall(r'`([^`]+)`', cell)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else '.'
    with open(os.path.join(root, 'docs', 'architecture.md'), encoding='utf-8') as f:
        doc = f.read()
    allowed = {}
    for row in table(doc, 'folders'):
        folder = words(row[0])[0].rstrip('/')
        allowed[folder] = set(w.rstrip('/') for w in words(row[1])) | {folder}
    roles = []  # (file stems, forbidden include prefixes, no store calls?)
    for row in table(doc, 'files'):
        forbidden = words(row[2])
        roles.append((set(words(row[1])), forbidden, 'store_*()' in forbidden))

    errors = []
    src = os.path.join(root, 'src')
    for dirpath, _, names in os.walk(src):
        for name in sorted(names):
            if not name.endswith(('.c', '.h')):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            parts = os.path.relpath(path, src).split(os.sep)
            folder = parts[0] if len(parts) > 1 else '.'  # main.c: "."
            stem = os.path.splitext(name)[0]
            if folder not in allowed:
                errors.append('%s: folder %s/ is not in the folders table' % (rel, folder))
                continue
            rules = [r for r in roles if stem in r[0]]
            with open(path, encoding='utf-8') as f:
                lines = f.read().splitlines()
            for no, line in enumerate(lines, 1):
                m = INCLUDE.match(line)
                if m and m.group(1) == '"':
                    target = m.group(2).split('/')[0] if '/' in m.group(2) else folder
                    if target not in allowed[folder]:
                        errors.append('%s:%d: %s/ may not include %s' % (rel, no, folder, m.group(2)))
                for stems, forbidden, _ in rules:
                    for bad in forbidden:
                        if m and bad != 'store_*()' and (m.group(2) == bad or
                                                         (bad.endswith('/') and m.group(2).startswith(bad))):
                            errors.append('%s:%d: %s may not include %s' % (rel, no, stem, m.group(2)))
                code = line.split('//')[0]
                if any(r[2] for r in rules) and not m and STORE_CALL.search(code) \
                        and not code.lstrip().startswith(('*', '/*')):
                    errors.append('%s:%d: %s calls the store (a policy file)' % (rel, no, stem))
                if folder != 'store' and SQL.search(line):
                    errors.append('%s:%d: SQL outside src/store/' % (rel, no))
    for e in errors:
        print(e)
    if errors:
        print('layering: %d violation(s) of docs/architecture.md' % len(errors))
        return 1
    print('layering: %d folders, %d file rules, all includes follow docs/architecture.md'
          % (len(allowed), len(roles)))
    return 0


if __name__ == '__main__':
    sys.exit(main())

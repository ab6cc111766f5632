"""Reading a user's table (CSV, Excel or Parquet) strictly: every problem names file, row and column.

Rows are numbered as a person sees them in a spreadsheet of the file: the header is row 1, the
first data row is row 2. Nothing is coerced silently: an empty cell or ``NA`` is a missing value,
``true``/``false`` are 1/0, anything else that is not a number is an error.

CSV text is decoded by its byte-order mark (UTF-8, UTF-16, UTF-32), else as UTF-8, else as
UTF-16 when it holds NUL bytes, else as Windows-1252 (what Dutch Excel writes); a file that is
none of these is an error. A fixed order rather than a statistical detector (charset-normalizer)
because on the short files of a trial such detectors guess, and a guess may turn an ``ë`` into
another letter without a word; this order never decodes valid UTF-8 as anything else. The
separator is the header's most frequent of ``,``, ``;`` and tab; a semicolon file (Dutch Excel's
"CSV (puntkomma)") writes decimals with a comma (``1234,56``), and a point in its numbers is then
an error rather than a guess between a decimal and a thousands separator.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from proeftuin.registry.pseudonym import mask_bsns

MISSING_TOKENS = frozenset({"", "na", "nan", "null"})
_LONGEST_TOKEN = max(map(len, MISSING_TOKENS))
_BOOLEANS = {"true": 1.0, "false": 0.0}
HEADER_ROWS = 1


class TabularError(ValueError):
    """A problem with a user's file, phrased as ``file, row N, column 'c': what is wrong``."""

    def __init__(self, path: Path | str, message: str, *, column: str | None = None, row: int | None = None):
        where = [str(path)]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(mask_bsns(f"{', '.join(where)}: {message}"))
        self.path, self.column, self.row = str(path), column, row


MAX_QUOTED = 40


def quote(value: object) -> str:
    """A user's value as an error message quotes it: ``'...'``, cut after 40 characters (BSNs are masked by the error)."""
    text = str(value)
    return repr(text if len(text) <= MAX_QUOTED else text[:MAX_QUOTED] + "...")


def spreadsheet_row(index: int) -> int:
    """The row a person sees for the 0-based data ``index`` (the header is row 1)."""
    return index + HEADER_ROWS + 1


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
SEPARATORS = (",", ";", "\t")
DECIMAL_COMMA = "decimal_comma"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_COMMA_NUMBER = re.compile(r"^[+-]?\d+(,\d+)?$")


_ASCII_COMPATIBLE = frozenset({"utf-8", "utf-8-sig", "cp1252"})
_NOT_CONTROL = bytes(b for b in range(256) if not _CONTROL.match(chr(b)))


def _control_characters(data: bytes, text: str, encoding: str) -> bool:
    """Whether ``text``, decoded from ``data`` with ``encoding``, holds a control character (:data:`_CONTROL`).

    In UTF-8 and Windows-1252 a character below 128 is the byte of the same value and no other
    byte decodes to one, so the bytes are checked: deleting every other byte is one pass in C,
    several times faster than a regular expression over the text of a large file.
    """
    if encoding in _ASCII_COMPATIBLE:
        return bool(data.translate(None, _NOT_CONTROL))
    return _CONTROL.search(text) is not None


def decode_text(data: bytes, path: Path | str) -> str:
    """The text of a CSV file's bytes (see the module docstring for the order of encodings)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            candidates = [encoding]
            break
    else:
        candidates = ["utf-8"]
        if data.count(0) > len(data) // 4:  # text in UTF-16 without a mark: every other byte of ASCII is NUL
            zeros_even = data[0::2].count(0) > data[1::2].count(0)
            candidates = ["utf-16-be" if zeros_even else "utf-16-le"]
        else:
            candidates.append("cp1252")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _control_characters(data, text, encoding):
            raise TabularError(path, "not a text file (it holds control characters); save it as CSV (UTF-8)")
        return text
    raise TabularError(path, "not text in UTF-8, UTF-16 or Windows-1252; save it as CSV (UTF-8)")


def _read_csv(path: Path) -> pd.DataFrame:
    text = decode_text(path.read_bytes(), path)
    if not text.strip():
        raise TabularError(path, "the file is empty")
    body = text.lstrip("\ufeff")
    header = body[: body.find("\n") + 1 or len(body)].splitlines()[0]  # the first line (splitting only the text up to the first newline)
    separator = max(SEPARATORS, key=header.count)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=separator, dtype=str, keep_default_na=False, skipinitialspace=True, engine="c")
    except pd.errors.EmptyDataError as exc:
        raise TabularError(path, "the file is empty") from exc
    except pd.errors.ParserError as exc:
        found = re.search(r"line (\d+), saw (\d+)", str(exc))
        if found:
            raise TabularError(path, f"{found.group(2)} fields where the header has {len(header.split(separator))}",
                               row=int(found.group(1))) from None
        raise TabularError(path, "not a valid CSV file") from None
    frame.attrs[DECIMAL_COMMA] = separator == ";"
    return frame


def _read_excel(path: Path) -> pd.DataFrame:
    if not zipfile.is_zipfile(path):
        raise TabularError(path, "not an Excel workbook (.xlsx is a zip archive; this file is not)")
    try:
        return pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook; the kind is named, never the content
        raise TabularError(path, f"not a readable Excel workbook ({type(exc).__name__})") from None


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...; the kind is named, never the content
        raise TabularError(path, f"not a readable Parquet file ({type(exc).__name__})") from None


READERS = {".csv": _read_csv, ".txt": _read_csv, ".xlsx": _read_excel, ".parquet": _read_parquet}


def readable_file(path: Path | str) -> Path:
    """``path``, if it names a file (not a folder, not missing); else the :class:`TabularError` saying so."""
    path = Path(path)
    if path.is_dir():
        raise TabularError(path, "is a folder, not a file")
    if not path.exists():
        raise TabularError(path, "file not found")
    return path


def read_table(path: Path | str) -> pd.DataFrame:
    """Read a CSV or Excel file (all cells as text; Excel: the first sheet) or a Parquet file; an empty file is an error."""
    path = readable_file(path)
    suffix = path.suffix.lower()
    if suffix not in READERS:
        raise TabularError(path, f"unsupported file type {suffix!r}; use .csv, .xlsx or .parquet")
    try:
        if path.stat().st_size == 0:
            raise TabularError(path, "the file is empty")
        frame = READERS[suffix](path)
    except PermissionError:
        raise TabularError(path, "the file cannot be read (permission denied)") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise TabularError(path, "the file has a header but no data rows")
    return frame


def require_columns(frame: pd.DataFrame, columns: Iterable[str], path: Path | str) -> None:
    """Every one of ``columns`` is in ``frame``; else name the first missing one."""
    for column in columns:
        if column not in frame.columns:
            raise TabularError(path, f"no such column (columns are {', '.join(map(str, frame.columns))})", column=column)


def numeric_column(frame: pd.DataFrame, column: str, path: Path | str, *, allow_missing: bool) -> np.ndarray:
    """The column as floats (``NaN`` for missing); the first non-number is an error."""
    series = frame[column]
    if pd.api.types.is_bool_dtype(series):
        values = np.array(series, dtype=float)
    elif pd.api.types.is_numeric_dtype(series):
        values = np.array(series, dtype=float)
    else:
        values = _text_numbers(frame, column, path)
    if not np.isfinite(values[~np.isnan(values)]).all():
        index = int(np.flatnonzero(np.isinf(values))[0])
        raise TabularError(path, "an infinite value is not a valid number", column=column, row=spreadsheet_row(index))
    if not allow_missing and np.isnan(values).any():
        index = int(np.flatnonzero(np.isnan(values))[0])
        raise TabularError(path, "a value is missing", column=column, row=spreadsheet_row(index))
    return values


_PROBE = 1_000


def _text_numbers(frame: pd.DataFrame, column: str, path: Path | str) -> np.ndarray:
    """A text column as floats (``NaN`` for a missing cell: empty or a token of :data:`MISSING_TOKENS`;
    ``true``/``false`` as 1/0); the first cell that is no number is a :class:`TabularError`.

    Where every cell is a number written as such (the usual file) one vectorised cast reads the
    column: the cast refuses spaces, words and decimal commas, and reads an empty cell as ``NaN``
    and ``nan`` as ``NaN``, as the tokens are. Otherwise each distinct cell is read once and every
    row takes its cell's value: a column that holds words (``true``/``false``, ``NA``) has few
    distinct cells, and stripping and lower-casing a million of them cost more than the rest of the
    validation. The values and the cell named are the same either way: distinct cells are numbered
    in order of first appearance, so the first bad one is the first bad row's.
    """
    series = frame[column]
    comma = bool(frame.attrs.get(DECIMAL_COMMA))
    if not comma:
        try:
            _cast(series.iloc[:_PROBE])  # a column of words fails here, before a cast of all of it fails
            return _cast(series)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    codes, uniques = pd.factorize(series)
    if (codes < 0).any():  # missing cells: an empty text after the others
        codes = np.where(codes < 0, len(uniques), codes)
        uniques = uniques.append(pd.Index([""]))
    text = pd.Series(uniques, dtype=object).astype(str).str.strip()

    def first_row(bad: np.ndarray) -> int:
        return spreadsheet_row(int(np.flatnonzero(np.isin(codes, np.flatnonzero(bad)))[0]))

    lowered = text.str.lower()
    if comma:
        pointed = text.str.contains(".", regex=False).to_numpy(dtype=bool)
        if pointed.any():
            raise TabularError(path, f"{quote(text.iloc[int(np.flatnonzero(pointed)[0])])}: this file is separated by semicolons, so write decimals "
                               "with a comma", column=column, row=first_row(pointed))
        text = text.where(~text.str.match(_COMMA_NUMBER), text.str.replace(",", ".", regex=False))
    values = _numbers(text.where(~lowered.isin(MISSING_TOKENS | _BOOLEANS.keys()), None))
    for token, number in _BOOLEANS.items():
        values[(lowered == token).to_numpy()] = number
    bad = np.isnan(values) & ~lowered.isin(MISSING_TOKENS).to_numpy()
    if bad.any():
        raise TabularError(path, f"{quote(text.iloc[int(np.flatnonzero(bad)[0])])} is not a number", column=column, row=first_row(bad))
    return values[codes]


def _cast(text: pd.Series) -> np.ndarray:
    """Text as floats by pyarrow's vectorised cast (``ArrowInvalid`` if any cell is no number; ``NaN`` where missing)."""
    return np.array(pc.cast(pa.array(text, type=pa.string(), from_pandas=True), pa.float64()).to_numpy(zero_copy_only=False), dtype=float)


def _numbers(text: pd.Series) -> np.ndarray:
    """Text as floats (``NaN`` where empty): pyarrow's vectorised cast, and where any cell is no number,
    pandas' ``to_numeric`` (``NaN`` there, for the caller to name); both give the same double for a number."""
    try:
        return _cast(text)
    except pa.ArrowInvalid:
        return np.array(pd.to_numeric(text, errors="coerce"), dtype=float)


def text_records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """The rows for a schema to validate, empty cells left out; a semicolon file's ``6,5`` becomes ``6.5``."""
    comma = bool(frame.attrs.get(DECIMAL_COMMA))

    def value(cell: object) -> object:
        if comma and isinstance(cell, str) and _COMMA_NUMBER.match(cell.strip()):
            return cell.strip().replace(",", ".")
        return cell

    return [{k: value(v) for k, v in row.items() if not (v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip()))}
            for row in frame.to_dict("records")]


def label_series(frame: pd.DataFrame, column: str, path: Path | str) -> pd.Series:
    """The column as text labels, stripped, as a pandas text series (vectorised); a missing label is an error."""
    series = frame[column]
    text = series.where(series.notna(), "").astype(str).str.strip()
    missing = (text.str.len() <= _LONGEST_TOKEN).to_numpy(dtype=bool, copy=True)  # only these can be a token; lower-casing never shortens a text
    if missing.any():
        missing[missing] = text[missing].str.lower().isin(MISSING_TOKENS).to_numpy()
    if missing.any():
        index = int(np.flatnonzero(missing)[0])
        raise TabularError(path, "a value is missing", column=column, row=spreadsheet_row(index))
    return text.reset_index(drop=True)


def label_column(frame: pd.DataFrame, column: str, path: Path | str) -> np.ndarray:
    """The column as text labels (a NumPy array of text); a missing label is an error."""
    return label_series(frame, column, path).to_numpy(dtype=str)


def covariate_matrix(frame: pd.DataFrame, columns: list[str], path: Path | str) -> tuple[np.ndarray, list[str]]:
    """Covariates as a float matrix: numbers as they are, text columns as dummies (first level dropped).

    A column is text when any non-missing cell is not a number. A missing covariate is an error:
    no row is silently dropped.
    """
    blocks: list[np.ndarray] = []
    names: list[str] = []
    for column in columns:
        try:
            blocks.append(numeric_column(frame, column, path, allow_missing=False)[:, None])
            names.append(column)
        except TabularError as exc:
            if "is not a number" not in str(exc):
                raise
            labels = label_column(frame, column, path)
            levels = sorted(set(labels))
            for level in levels[1:]:
                blocks.append((labels == level).astype(float)[:, None])
                names.append(f"{column}[{level}]")
    if not blocks:
        return np.empty((len(frame), 0)), []
    return np.hstack(blocks), names

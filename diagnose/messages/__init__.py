"""The message catalogue: every input error in Chinese and English, with advice per face.

An `InputError` carries a stable ``code`` and the ``params`` its message
quotes; `localise` turns it (or a `FileError` from ``errors="collect"``)
into the text one face shows: the dashboard's advice is about its uploader
and its column-mapping panel, the CLI's about ``--map`` and environment
variables. Errors without a code (or with one not listed here) fall back to
their own English text, so nothing is ever lost — but every code raised
anywhere in the package is listed (the readers' here, the rest in
`diagnose.messages.library`; tests/test_error_codes.py scans the source for
every `InputError(...)` and checks its code is here).
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any, Literal

from diagnose.errors import one_line

Lang = Literal["zh", "en"]
Face = Literal["ui", "cli"]


@dataclass(frozen=True)
class Message:
    """One code's texts: what happened (zh, en), and what to do on each face (zh, en)."""

    zh: str
    en: str
    ui_zh: str = ""
    ui_en: str = ""
    cli_zh: str = ""
    cli_en: str = ""


_RESAVE_ZH = "请在 Excel 或文本编辑器中打开并另存为「CSV UTF-8」或 .xlsx 后重试"
_RESAVE_EN = "open it in Excel or a text editor, save it as 'CSV UTF-8' or .xlsx and try again"
_REEXPORT_ZH = "请从平台后台重新导出售后表（.xlsx 或 .csv）后重试"
_REEXPORT_EN = "export the after-sales sheet from the platform again (.xlsx or .csv) and try again"
_DOWNLOAD_ZH = "请重新下载或导出，并确认文件已完整保存"
_DOWNLOAD_EN = "download or export it again, and check the copy finished"
_SPLIT_ZH = "请按更短的时间段分开导出（例如每月一个文件）"
_SPLIT_EN = "split the export into shorter periods (e.g. one file per month)"
_MAP_UI_ZH = "请在「上传数据」页的「修正列映射」里选择对应的表头"
_MAP_UI_EN = "choose the right header under 'Fix column mapping' on the upload page"

CATALOGUE: dict[str, Message] = {
    # --- settings and sources ------------------------------------------------
    "limit_setting": Message(
        "设置 {env}={value} 不是正数", "the setting {env}={value} is not a positive number",
        "请联系管理员修正服务器设置", "ask the administrator to fix the server setting",
        "请把 {env} 设为正数（例如 {default}），或删除该设置", "set {env} to a number such as {default}, or unset it"),
    "file_too_large": Message(
        "文件大小 {size}，超过上限 {limit}", "the file is {size}, larger than the limit of {limit}",
        _SPLIT_ZH + "后分别上传", _SPLIT_EN + " and upload each",
        _SPLIT_ZH + "，或调大 {env}", _SPLIT_EN + ", or raise {env}"),
    "rows_over_limit": Message(
        "共 {total} 行数据，超过上限 {limit} 行", "{total} data rows, more than the limit of {limit} rows",
        _SPLIT_ZH, _SPLIT_EN, _SPLIT_ZH + "，或调大 {env}", _SPLIT_EN + ", or raise {env}"),
    "columns_over_limit": Message(
        "{sheet_zh}有 {columns} 列，超过上限 {limit} 列，未读取",
        "{sheet_en}has {columns} columns, more than the limit of {limit}; it was not read",
        "请删除多余的列（或只导出售后相关的列）后重新上传", "delete the unused columns (or export only the after-sales columns) and upload again",
        "请删除多余的列，或调大 {env}", "delete the unused columns, or raise {env}"),
    "cell_too_long": Message(
        "第 {row} 行「{column}」列有 {chars} 个字符，超过单元格上限 {limit}，文件未读取",
        "row {row}, column '{column}' holds {chars} characters, more than the limit of {limit} for one cell; the file was not read",
        "请缩短或删除该单元格后重新上传", "shorten or remove that cell and upload again",
        "请缩短或删除该单元格，或调大 {env}", "shorten or remove that cell, or raise {env}"),
    "file_not_found": Message("找不到文件", "file not found", "请重新选择文件", "choose the file again",
                              "请检查路径", "check the path"),
    "is_folder": Message("这是文件夹，不是文件", "is a folder, not a file", "请选择文件夹里的导出文件",
                         "choose the export files inside it", "请传入文件夹里的导出文件", "pass the export files inside it"),
    "not_regular_file": Message(
        "不是普通文件（是管道或设备），未读取", "is not a regular file ({kind}); it was not read",
        "请把导出内容保存为文件后上传", "save the export as a file and upload that",
        "请把导出内容保存为文件后传入", "save the export as a file and pass that file"),
    "unreadable_file": Message("无法读取（{reason}）", "cannot be read ({reason})", "请检查文件后重试",
                               "check the file and try again", "请检查文件权限", "check the file's permissions"),
    "no_input": Message("没有给出文件", "no input files given", "请先上传售后导出文件", "upload an after-sales export first",
                        "请至少传入一个导出文件", "pass at least one export file"),
    "unknown_profile": Message("未知的平台格式「{profile}」", "unknown profile '{profile}'",
                               "请选择列表中的平台", "choose a platform from the list",
                               "可选：{choices}", "use one of: {choices}"),
    # --- what the file is ----------------------------------------------------
    "empty_file": Message("文件是空的", "the file is empty", _REEXPORT_ZH, _REEXPORT_EN, _REEXPORT_ZH, _REEXPORT_EN),
    "wrong_format": Message(
        "这是{kind_zh}，不是表格或 CSV 导出文件", "this is {kind_en}, not a spreadsheet or CSV export",
        _REEXPORT_ZH, _REEXPORT_EN, _REEXPORT_ZH, _REEXPORT_EN),
    "binary_data": Message("看起来是二进制数据，不是表格或 CSV 导出文件",
                           "this looks like binary data, not a spreadsheet or CSV export",
                           _REEXPORT_ZH, _REEXPORT_EN, _REEXPORT_ZH, _REEXPORT_EN),
    "undecodable": Message("既不是能识别编码的文本（UTF-8、GB18030/GBK、UTF-16），也不是表格文件",
                           "this is neither a text export we can decode (UTF-8, GB18030/GBK, UTF-16) nor a spreadsheet",
                           _REEXPORT_ZH, _REEXPORT_EN, _REEXPORT_ZH, _REEXPORT_EN),
    "undecodable_as": Message("文本看起来是 {encoding} 编码，但无法按它解码",
                              "the text looks like {encoding} but does not decode as it",
                              _RESAVE_ZH, _RESAVE_EN, _RESAVE_ZH, _RESAVE_EN),
    "html_page": Message("这是网页（HTML 表格）被存成了表格文件名", "this is a web page (HTML table) saved under a spreadsheet name",
                         "请用 Excel 打开并另存为 .xlsx 或 .csv 后上传", "open it in Excel, save it as .xlsx or .csv and upload that",
                         "请用 Excel 打开并另存为 .xlsx 或 .csv", "open it in Excel and save it as .xlsx or .csv"),
    "xlsx_damaged": Message("表格文件已损坏或不完整（无法打开的 ZIP/XLSX）",
                            "the spreadsheet is damaged or truncated (a ZIP/XLSX file that cannot be opened)",
                            _DOWNLOAD_ZH, _DOWNLOAD_EN, _DOWNLOAD_ZH, _DOWNLOAD_EN),
    "xlsx_part_damaged": Message("表格文件已损坏或不完整（其中一部分无法解压）",
                                 "the spreadsheet is damaged or truncated (a part of the XLSX cannot be unpacked)",
                                 _DOWNLOAD_ZH, _DOWNLOAD_EN, _DOWNLOAD_ZH, _DOWNLOAD_EN),
    "workbook_damaged": Message("{kind} 文件已损坏或不完整，无法读取", "the {kind} file is damaged or truncated and cannot be read",
                                _DOWNLOAD_ZH, _DOWNLOAD_EN, _DOWNLOAD_ZH, _DOWNLOAD_EN),
    "old_office_file": Message("这是无法读取的旧版 Office 文件（可能是 Word .doc）",
                               "this is an old Office file that is not a readable spreadsheet (perhaps a Word .doc)",
                               _REEXPORT_ZH, _REEXPORT_EN, _REEXPORT_ZH, _REEXPORT_EN),
    "no_sheets": Message("{kind} 文件里没有工作表", "the {kind} file has no sheets", _REEXPORT_ZH, _REEXPORT_EN,
                         _REEXPORT_ZH, _REEXPORT_EN),
    "no_cells": Message("表格里没有任何数据", "the spreadsheet has no cells with data", _REEXPORT_ZH, _REEXPORT_EN,
                        _REEXPORT_ZH, _REEXPORT_EN),
    "encrypted_xlsx": Message(
        "Excel 文件设置了打开密码，无法读取", "the Excel file is encrypted with a password, so it cannot be read",
        "请用密码在 Excel 中打开，取消加密（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）并保存后重新上传",
        "open it in Excel with the password, remove it (File → Info → Protect Workbook → Encrypt with Password), save and upload again",
        "请用密码在 Excel 中打开，取消加密并保存后重试", "open it in Excel with the password, remove it, save, and pass the file again"),
    "password_xls": Message("XLS 文件有密码保护", "the XLS file is password-protected",
                            "请在 Excel 中去掉密码，另存为 .xlsx 后上传", "remove the password in Excel, save as .xlsx and upload that",
                            "请在 Excel 中去掉密码，另存为 .xlsx 后重试", "remove the password in Excel, save as .xlsx and pass that file"),
    "password_workbook": Message("{kind} 文件有密码保护", "the {kind} file is password-protected",
                                 "请在 Excel 中去掉密码并保存后重新上传", "remove the password in Excel, save and upload again",
                                 "请在 Excel 中去掉密码并保存后重试", "remove the password in Excel and save again"),
    # --- workbook limits -----------------------------------------------------
    "xlsx_unpacked_too_large": Message(
        "XLSX 解压后为 {size}，超过上限 {limit}，未打开", "the XLSX unpacks to {size}, more than the limit of {limit}; it was not opened",
        "请导出更短的时间段或更少的列（或导出 CSV）", "export a shorter period or fewer columns (or CSV)",
        "请导出更短的时间段或更少的列（或 CSV），或调大 {env}", "export a shorter period or fewer columns (or CSV), or raise {env}"),
    "zip_bomb": Message(
        "文件中的「{part}」解压后比存储时大 {ratio} 倍（{size}），正常导出不会这样压缩，未打开（疑似压缩炸弹）",
        "the part '{part}' unpacks {ratio} times larger than it is stored ({size}); a real export does not compress like this, so the file was not opened",
        "请从平台重新导出，或改用 CSV", "export the sheet again from the platform, or upload it as CSV",
        "请从平台重新导出，或改用 CSV", "export the sheet again from the platform, or pass it as CSV"),
    "shared_strings_bad": Message(
        "工作簿的共享字符串表声明了 {declared} 个字符串，实际只有 {items} 个；正常导出不会这样写，未打开",
        "the workbook's shared-string table declares {declared} strings but holds {items}; a real export is not written like this, so the file was not opened",
        "请从平台重新导出（或在 Excel 中另存一次），或改用 CSV", "export it again from the platform (or save it again in Excel), or upload CSV",
        "请从平台重新导出（或在 Excel 中另存一次），或改用 CSV", "export it again from the platform (or save it again in Excel), or pass CSV"),
    "sheet_rows_over_limit": Message(
        "工作表「{sheet}」有 {rows} 行，超过上限 {limit}，未打开", "sheet '{sheet}' has {rows} rows, more than the limit of {limit}; it was not opened",
        "请导出更短的时间段", "export a shorter period", "请导出更短的时间段，或调大 {env}", "export a shorter period, or raise {env}"),
    "sheet_cells_over_limit": Message(
        "工作表「{sheet}」范围为 {rows} 行 × {columns} 列（{cells} 个单元格），超过上限 {limit}，未打开",
        "sheet '{sheet}' spans {rows} rows x {columns} columns ({cells} cells), more than the limit of {limit} cells; it was not opened",
        "请在 Excel 中删除空白或只有格式的多余行列（或导出 CSV）后重新上传",
        "delete the empty or formatted-but-unused rows and columns in Excel (or export CSV) and upload again",
        "请在 Excel 中删除多余的空白行列（或导出 CSV），或调大 {env}",
        "delete the unused rows and columns in Excel (or export CSV), or raise {env}"),
    # --- text ----------------------------------------------------------------
    "mixed_encoding": Message(
        "{where_zh}：此处的字节不是 UTF-8，而前面的文本是——文件混用了两种编码（从 GBK/ANSI 文件粘贴过来的行？）",
        "{where_en}: the bytes there are not UTF-8 although the text before them is — the file mixes two encodings",
        _RESAVE_ZH, _RESAVE_EN, _RESAVE_ZH, _RESAVE_EN),
    "bad_bytes": Message(
        "{where_zh}：此处的字节无法按前文的编码 {encoding} 解码（混用编码，或文件已损坏？）",
        "{where_en}: the bytes there do not decode as {encoding}, the encoding of the text before them",
        _RESAVE_ZH, _RESAVE_EN, _RESAVE_ZH, _RESAVE_EN),
    "not_utf8": Message("文件后面部分的文本不是有效的 UTF-8", "the text is not valid UTF-8 further down the file",
                        _RESAVE_ZH, _RESAVE_EN, _RESAVE_ZH, _RESAVE_EN),
    "unsplittable": Message("文本无法拆分成列（{detail}）", "the text cannot be split into columns ({detail})",
                            "请检查文件中的引号，或另存为 .xlsx 后上传", "check the quotes in the file, or save it as .xlsx and upload that",
                            "请检查文件中的引号，或另存为 .xlsx", "check the quotes in the file, or save it again as .xlsx"),
    # --- headers and columns -------------------------------------------------
    "no_header": Message(
        "前 {rows} 行里找不到表头：没有一个单元格像已知的列名（第一行：{first}）",
        "no header row found in the first {rows} rows: no cell looks like a column name we know (first row: {first})",
        "请补回导出文件的表头行，或在「修正列映射」里指明各列", "add the export's header row back, or name the columns under 'Fix column mapping'",
        "请补回表头行，或用 --map buyer_text=<表头> 指明列", "add the export's header row back, or name the columns with --map buyer_text=<header>"),
    "no_text_column": Message(
        "找不到买家退款原因或说明所在的列；表头有：{headers}",
        "no column with the buyer's reason or comment found; headers seen: {headers}",
        "请在「上传数据」页的「修正列映射」里选择买家说明（或退款原因）所在的列",
        "choose the buyer's comment (or reason) column under 'Fix column mapping' on the upload page",
        "请用 --map buyer_text=<表头>（或 platform_reason=<表头>）指明该列",
        "use --map buyer_text=<header> (or platform_reason=<header>) to name it"),
    "order_export": Message(
        "这是订单导出文件，不是售后/退款导出（表头包括 {headers}，没有售后单号或退款原因列）",
        "this is an order export, not a return export (its headers include {headers}, and it has no after-sales id or return reason column)",
        "请在「订单」上传框上传它（用于计算退货率）", "upload it under 订单 (orders) instead — it is used for return rates",
        "请用 --orders 传入订单文件", "pass it with --orders"),
    "settlement_export": Message(
        "这是结算/账单导出文件，不是售后/退款导出（表头包括 {headers}）",
        "this is a settlement (bill) export, not a return export (its headers include {headers})",
        "里面没有退货；请从后台导出售后单", "it holds no returns; export the after-sales (售后) sheet instead",
        "里面没有退货；请导出售后单", "it holds no returns; export the after-sales (售后) sheet instead"),
    "review_export": Message(
        "这是商品评价导出文件，不是售后/退款导出（表头包括 {headers}）",
        "this is a product-review export, not a return export (its headers include {headers})",
        "里面没有退货；请从后台导出售后单", "it holds no returns; export the after-sales (售后) sheet instead",
        "里面没有退货；请导出售后单", "it holds no returns; export the after-sales (售后) sheet instead"),
    "orders_no_sku": Message(
        "订单文件里找不到商家编码（SKU）或商品 ID 列；表头有：{headers}",
        "no SKU or product id column found in the order export; headers seen: {headers}",
        "请确认上传的是订单明细导出", "check that this is the order-detail export",
        "请用 --map sku=<表头> 指明商家编码所在的列", "use --map sku=<header> for the column with the merchant SKU code"),
    "unknown_orders_platform": Message(
        "未知的订单平台「{platform}」", "unknown platform '{platform}' for --orders-platform",
        "请在「订单文件所属平台」里选择", "choose one under 'Platform of the order export'",
        "可选：{choices}", "use one of: {choices}"),
    "orders_platform_without_orders": Message(
        "给了订单平台，但没有订单文件", "--orders-platform was given without an --orders file",
        "请先上传订单导出文件", "upload the order export first",
        "请加上 --orders 订单文件，或去掉 --orders-platform", "add --orders ORDERS, or drop --orders-platform"),
    # --- the user's column mapping --------------------------------------------
    "map_syntax": Message("列映射「{mapping}」的格式不是 字段=表头", "column mapping '{mapping}' is not of the form canonical=header",
                          _MAP_UI_ZH, _MAP_UI_EN, "请写成 --map buyer_text=问题描述", "write it like --map buyer_text=问题描述"),
    "map_unknown_column": Message("列映射「{mapping}」：「{key}」不是已知的字段名", "column mapping '{mapping}': '{key}' is not a column name we know",
                                  _MAP_UI_ZH, _MAP_UI_EN, "可选：{choices}", "use one of: {choices}"),
    "map_no_header": Message("列映射「{mapping}」没有写表头", "column mapping '{mapping}' names no header",
                             _MAP_UI_ZH, _MAP_UI_EN, "请在 = 后写上文件里的表头，例如 --map {key}=问题描述",
                             "write the file's header after the '=', e.g. --map {key}=问题描述"),
    "map_given_twice": Message("字段 {key} 被映射了两次：「{first}」和「{second}」", "--map {key} is given twice, with '{first}' and with '{second}'",
                               "请只保留正确的那一个", "keep only the right one",
                               "请只保留指向正确表头的 --map {key}=…", "keep only the --map {key}=… that names the right header"),
    "map_header_twice": Message("表头「{header}」同时映射到了 {first} 和 {second}；一列只能对应一个字段",
                                "the header '{header}' is mapped twice, to {first} and to {second}; one column can fill only one field",
                                "请去掉其中一个映射", "remove one of the two mappings",
                                "请去掉 --map {first}=… 或 --map {second}=… 之一", "remove one of --map {first}=… / --map {second}=…"),
    "map_header_missing": Message("列映射 {key}={header} 中的「{header}」不是 {files} 的表头",
                                  "column '{header}' given in --map {key}={header} is not a header of {files}",
                                  "可用的表头：{headers}；" + _MAP_UI_ZH, "headers available: {headers}; " + _MAP_UI_EN,
                                  "可用的表头：{headers}", "headers available: {headers}"),
    # --- isolated parsing (dashboard) ------------------------------------------
    "parse_crashed": Message(
        "读取该文件时解析器出错（{how}：所需内存超过上限 {limit}，或内容格式异常），文件未读取",
        "the file made the reader fail ({how}: it needed more memory than the limit of {limit}, or its content is malformed); the file was not read",
        "请在 Excel 中打开并另存为 .xlsx（或导出 CSV）后重新上传；其他文件不受影响",
        "open it in Excel, save it as .xlsx (or export CSV) and upload that file; other files are not affected",
        "请在 Excel 中另存为 .xlsx 或 CSV 后重试，或调大 {env}", "save it again as .xlsx or CSV and retry, or raise {env}"),
    "parse_timeout": Message(
        "读取该文件用时超过 {seconds} 秒处理器时间，已停止，文件未读取",
        "reading the file took more than {seconds} s of processor time and was stopped; the file was not read",
        "请把导出拆成更小的文件后上传", "split the export into smaller files and upload those",
        "请拆成更小的文件，或调大 {env}", "split the export into smaller files, or raise {env}"),
    "parse_out_of_memory": Message(
        "读取该文件所需内存超过上限 {limit}，文件未读取",
        "reading the file needed more memory than the limit of {limit}; the file was not read",
        "请把导出拆成更小的文件后上传", "split the export into smaller files and upload those",
        "请拆成更小的文件，或调大 {env}", "split the export into smaller files, or raise {env}"),
}


def _with_library_entries() -> None:
    """Add the codes raised outside the readers (`diagnose.messages.library`) to the one catalogue."""
    from diagnose.messages.library import ENTRIES

    clash = set(ENTRIES) & set(CATALOGUE)
    assert not clash, clash  # one code, one text
    CATALOGUE.update({code: Message(*texts) for code, texts in ENTRIES.items()})


_with_library_entries()

# Notes on a file that was read (``FileReport.issues``, `diagnose.io.notes.Note`): what the
# reader did about something unusual. Same shape as the errors: text, then advice per face.
_IDS_AS_TEXT_ZH = "导出时请把单号列设为文本格式"
_IDS_AS_TEXT_EN = "export ID columns as text"
NOTES: dict[str, Message] = {
    "sheets_read": Message("读取了工作表：{read_zh}{skipped_zh}", "sheets read: {read_en}{skipped_en}"),
    "sheets_not_returns": Message("未读取（是订单、结算或评价表，不是售后表）：{sheets}",
                                  "not read (an order, settlement or review sheet, not returns): {sheets}",
                                  "订单表请在「订单导出文件」上传框上传", "upload an order sheet under 'Order export'",
                                  "订单表请用 --orders 传入", "pass an order sheet with --orders"),
    "second_table": Message("第 {row} 行开始是另一张表（又一个表头），已作为单独的一块读取",
                            "a second table starts on row {row} (another header); read as its own block"),
    "lossy_column": Message("「{header}」列里有超过 15 位的数字以数值格式保存，末几位可能已经不对",
                            "column '{header}' holds numbers of more than 15 digits stored as numbers in the "
                            "spreadsheet; their last digits may be wrong",
                            _IDS_AS_TEXT_ZH, _IDS_AS_TEXT_EN, _IDS_AS_TEXT_ZH, _IDS_AS_TEXT_EN),
    "header_row": Message("表头在第 {row} 行；上方 {above} 行（标题或说明）已跳过",
                          "header found on row {row}; {above} row(s) above it skipped"),
    "repeated_header": Message("有 {count} 行重复了表头（第 {rows} 行），不作为数据读取",
                               "{count} row(s) repeat the header row (row {rows}); not read as data"),
    "blank_lines": Message("跳过了 {count} 个完全空白的行（不计为数据行）",
                           "{count} completely empty line(s) skipped (not counted as data rows)"),
    "weak_platform": Message("表头不足以判断是哪个平台（只有{seen_zh}），已按通用列名读取",
                             "the headers are not typical enough of one platform to name it (only {seen_en}); "
                             "read with the generic column names",
                             "如知道平台，可在「修正列映射」里选择", "if you know the platform, choose it under 'Fix column mapping'",
                             "如知道平台，可用 --profile 指定", "if you know the platform, name it with --profile"),
    "duplicate_header": Message("表头「{header}」出现了 {count} 次；读取第一列{used_zh}，其余保留为「{header} (2)」{more_mark}",
                                "header '{header}' appears {count} times; the first is read{used_en}, the others are "
                                "kept as '{header} (2)'{more_mark}"),
    "long_text": Message("{count} 条买家说明超过 {limit} 个字（第一条在第 {row} 行）；原文完整保留，分类只读前 {limit} 个字",
                         "{count} buyer text(s) longer than {limit} characters (first on row {row}); kept whole, "
                         "the classifier reads the first {limit}"),
    "decimal_comma": Message("金额列「{header}」用逗号作小数点（59,90 = 59.90），已按此读取",
                             "amount column '{header}' writes decimals with a comma (59,90 = 59.90); read so"),
    "amount_fen": Message("金额列「{header}」的单位是分，已除以 100 换算成元",
                          "amount column '{header}' is in fen; divided by 100 to yuan"),
    "extra_cells": Message("第 {row} 行的单元格比表头多——列可能错位（文字里有未加引号的分隔符？），已原样保留",
                           "row {row}: has more cells than the header — columns may be shifted (an unquoted "
                           "delimiter in the text?); kept as is"),
    "extra_cells_more": Message("……另有 {count} 行单元格比表头多", "… {count} more row(s) with extra cells"),
    "imprecise_ids": Message("「{header}」列有 {count} 个{column_zh}丢失了数字（例如第 {row} 行：「{value}」，科学计数法）；"
                             "已标记，不参与去重合并",
                             "{count} {column}(s) in column '{header}' lost digits (e.g. row {row}: '{value}', a number "
                             "in scientific notation); flagged and never merged",
                             _IDS_AS_TEXT_ZH, _IDS_AS_TEXT_EN, _IDS_AS_TEXT_ZH, _IDS_AS_TEXT_EN),
    "missing_ids": Message("{count} 行没有售后单号，已编号为「{prefix}#行号」",
                           "{count} row(s) without a return id; given the id '{prefix}#<row>'"),
    "no_id_column": Message("没有售后单号列，每行编号为「{prefix}#行号」", "no return id column; each row gets the id '{prefix}#<row>'",
                            "如有单号列，请在「修正列映射」里指定售后单号", "if there is an id column, choose it as Return ID under 'Fix column mapping'",
                            "如有单号列，请用 --map return_id=<表头> 指明", "if there is an id column, name it with --map return_id=<header>"),
    "no_data_rows": Message("表头下面没有数据行", "no data rows below the header"),
    "unreadable_cell": Message("第 {row} 行：{column_zh}{header_zh}的值「{value}」{what_zh}",
                               "row {row}: {column} ({header}) '{value}' {what_en}"),
    "unreadable_more": Message("……另有 {count} 行的{column_zh}无法读取，见「字段问题」列",
                               "… {count} more row(s) with an unreadable {column}; see the row_issues column"),
    "cr_only": Message("行尾只用 CR（旧版 Mac 格式），已按普通换行读取",
                       "the lines end in CR only (old Mac style); read as ordinary line ends"),
    "bom_gbk": Message("文件开头有 UTF-8 标记（BOM），但正文是 GB18030/GBK 编码，已按 GB18030 读取",
                       "the file starts with a UTF-8 marker (BOM) but its text is GB18030/GBK; read as GB18030"),
    "control_chars": Message("删除了文本中 {count} 个控制字符（NUL 等不可见字节），第一个在第 {line} 行",
                             "{count} control character(s) (invisible bytes such as NUL) removed from the text; the "
                             "first was on line {line}"),
    "stray_quotes": Message("{count} 行有未闭合的引号 \"（第 {lines} 行）；引号按普通字符读取，后面的行仍各自成行——请检查这些行的文字",
                            "{count} line(s) hold a quote (\") that is never closed (line {lines}); the quote was read "
                            "as a character so the lines after it stay separate rows — check those rows' text"),
}
PLATFORM_NAMES = {"douyin": ("抖音/抖店", "Douyin"), "taobao": ("淘宝/天猫", "Taobao/Tmall"), "jd": ("京东", "JD"),
                  "pinduoduo": ("拼多多", "Pinduoduo"), "amazon": ("亚马逊", "Amazon"), "generic": ("通用表格", "Generic")}
# Canonical fields named in notes, and what was done with a value that could not be read.
NOTE_COLUMNS_ZH = {
    "return_id": "售后单号", "order_id": "订单号", "sku": "SKU（商家编码）", "product_id": "商品ID",
    "product_title": "商品名称", "platform_reason": "下拉原因", "buyer_text": "买家原话", "return_type": "售后类型",
    "amount": "退款金额", "applied_at": "申请时间", "signed_at": "签收时间", "buyer_id": "买家", "status": "售后状态",
    "quantity": "数量", "shop": "店铺",
}
_UNREADABLE = {
    "applied_at": ("不是可识别的日期——该行保留，申请时间留空", "is not a date we can read — kept, applied_at left empty"),
    "signed_at": ("不是可识别的日期——该行保留，签收时间留空", "is not a date we can read — kept, signed_at left empty"),
    "quantity": ("不是数字——该行保留，数量按 1 计", "is not a number — kept, quantity set to 1"),
    "amount": ("不是有效数字——该行保留，金额留空", "is not a finite number — kept, amount left empty"),
}


FORMAT_ZH = {
    "pdf": "PDF 文档", "png": "PNG 图片", "jpeg": "JPEG 图片", "gif": "GIF 图片", "gzip": "gzip 压缩包",
    "7z": "7-Zip 压缩包", "rar": "RAR 压缩包", "doc": "Word 文档（.doc）", "ppt": "PowerPoint 文件（.ppt）",
    "docx": "Word 文档（.docx）", "pptx": "PowerPoint 文件（.pptx）", "zip": "ZIP 压缩包",
}


class _Safe(string.Formatter):
    """str.format that leaves an unknown {name} as it is and writes integers with thousands separators."""

    def get_value(self, key: Any, args: Any, kwargs: dict) -> Any:
        if isinstance(key, str) and key not in kwargs:
            return "{" + key + "}"
        return super().get_value(key, args, kwargs)

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, int) and not isinstance(value, bool) and not format_spec:
            return f"{value:,}"
        return super().format_field(value, format_spec)


_FORMATTER = _Safe()


def _derived(params: dict) -> dict:
    """Parameters the templates need in a per-language form (place names, file kinds)."""
    out = dict(params)
    if "line" in params:
        header = params.get("header") or ""
        out["where_zh"] = f"第 {params['line']:,} 行第 {params.get('column', 1)} 列" + (f"（「{header}」）" if header else "")
        out["where_en"] = f"line {params['line']:,}, column {params.get('column', 1)}" + (f" ('{header}')" if header else "")
    if "kind" in params:
        from diagnose.io.containers import FORMAT_NAMES

        out["kind_zh"] = FORMAT_ZH.get(params["kind"], params["kind"])
        out["kind_en"] = FORMAT_NAMES.get(params["kind"], params["kind"])
    sheet = params.get("sheet") or ""
    out["sheet_zh"] = f"{sheet}" if sheet else "该表"
    out["sheet_en"] = f"{sheet} " if sheet else ""
    return out


def _note_params(params: dict) -> dict:
    """Parameters of a note in per-language form (lists of sheets, platforms seen, field names)."""
    out = dict(params)
    if "read" in params:
        out["read_zh"] = "、".join(f"「{s}」" for s in params["read"])
        out["read_en"] = ", ".join(f"'{s}'" for s in params["read"])
        skipped = params.get("skipped") or []
        out["skipped_zh"] = ("；跳过（没有导出表头）：" + "、".join(f"「{s}」" for s in skipped)) if skipped else ""
        out["skipped_en"] = ("; skipped (no export header): " + ", ".join(f"'{s}'" for s in skipped)) if skipped else ""
    if "seen" in params:
        def name(key: str, zh: bool) -> str:
            pair = PLATFORM_NAMES.get(str(key))
            return (pair[0] if zh else pair[1]) if pair else str(key)

        out["seen_zh"] = "；".join(f"「{h}」像{name(k, True)}" for h, k in params["seen"])
        out["seen_en"] = "; ".join(f"'{h}' for {name(k, False)}" for h, k in params["seen"])
    if "used" in params:
        used = params.get("used") or ""
        out["used_zh"] = f"（作为{NOTE_COLUMNS_ZH.get(used, used)}）" if used else ""
        out["used_en"] = f" as {used}" if used else ""
        out["more_mark"] = "…" if params.get("more") else ""
    if "column" in params:
        column = params["column"]
        out["column_zh"] = NOTE_COLUMNS_ZH.get(column, column)
        zh, en = _UNREADABLE.get(column, ("无法读取——该行保留", "cannot be read — kept"))
        out["what_zh"], out["what_en"] = zh, en
        header = str(params.get("header") or "")
        out["header_zh"] = f"（「{header}」）" if header and header != out["column_zh"] else ""
    return out


def localise_note(note: Any, lang: Lang = "zh", face: Face = "ui") -> str:
    """One note on a file (`diagnose.io.notes.Note`) in one language, with the face's advice.

    A note without a known code (a plain string) is shown as it is, so a
    reader that has not been given a code yet still says something.
    """
    message = NOTES.get(getattr(note, "code", "") or "")
    if message is None:
        return one_line(str(note))
    params = _note_params(dict(getattr(note, "params", None) or {}))
    zh = lang == "zh"
    what = _FORMATTER.format(message.zh if zh else message.en, **params)
    advice = {("ui", True): message.ui_zh, ("ui", False): message.ui_en,
              ("cli", True): message.cli_zh, ("cli", False): message.cli_en}[(face, zh)]
    if advice:
        what += ("——" if zh else " — ") + _FORMATTER.format(advice, **params)
    return one_line(what)


def localise(error: Any, lang: Lang = "zh", face: Face = "ui") -> str:
    """The one-line text of an `InputError` or `FileError` for one face, in one language.

    ``<file>：<what happened> — <what to do>``; the advice is the face's own
    (uploader and mapping panel for ``"ui"``, flags and settings for
    ``"cli"``). Without a known code the error's own English text is used.
    """
    code = getattr(error, "code", None)
    message = CATALOGUE.get(code or "")
    file = getattr(error, "file", None)
    if message is None:
        text = str(error) if isinstance(error, BaseException) else str(getattr(error, "message", error))
        return one_line(text)
    params = _derived(dict(getattr(error, "params", None) or {}))
    zh = lang == "zh"
    what = _FORMATTER.format(message.zh if zh else message.en, **params)
    advice = {("ui", True): message.ui_zh, ("ui", False): message.ui_en,
              ("cli", True): message.cli_zh, ("cli", False): message.cli_en}[(face, zh)]
    advice = _FORMATTER.format(advice, **params) if advice else ""
    prefix = ""
    if file and file != "__mapping__":
        prefix = f"{file}：" if zh else f"{file}: "
    sep = " —— " if zh else " — "
    return one_line(prefix + what + (sep + advice if advice else ""))

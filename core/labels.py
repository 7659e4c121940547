"""Chinese labels of the codes the reports print (indicator names, reasons, states, rules)."""

from __future__ import annotations

METRIC_ZH = {
    "DEP_AVG_INC": "存款余额日均新增额",
    "LOAN_AVG_INC": "贷款余额日均新增额",
    "NPL_RATIO": "贷款不良率(%)",
    "WEALTH_SALES": "理财/基金/保险销售额",
    "NEW_CUST": "新增有效客户",
    "CONTRIBUTION": "客户贡献度",
    "CONTACT": "客户联系达标率",
    "FOLLOWUP": "预警跟进率",
    "RETENTION": "客户保有(流失率)",
    "EVAL": "综合评价(主管评分)",
    "ADJUST": "调整指标",
}

ASSESSED_ZH = {
    "OK": "",
    "NO_TARGET": "未考核:无计划目标",
    "TARGET_LE_0": "未考核:目标值≤0",
    "NO_DATA": "未考核:无数据",
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

DIRECTION_ZH = {"IN": "流入", "OUT": "流出"}
ATTRITION_ZH = {"LOST": "流失", "AT_RISK": "流失预警"}
DORMANCY_STATE_ZH = {"ACTIVE": "正常", "INACTIVE": "不动户", "DORMANT": "休眠(久悬)"}
DORMANCY_EVENT_ZH = {"NEW_INACTIVE": "新转不动户", "NEW_DORMANT": "新转休眠", "REACTIVATED": "已激活"}
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

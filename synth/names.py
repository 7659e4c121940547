"""Name, address and text pools for the synthetic bank (all characters encodable in GBK).

Pools are small Python lists drawn once; rows pick from them by numpy index (no per-row objects).
"""

from __future__ import annotations

import numpy as np
import polars as pl

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
) + [
    "欧阳",
    "司马",
    "诸葛",
]
GIVEN = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬建国志鹏浩宇欣怡子涵梓轩雨泽晨曦嘉琪思远佳颖"
)
CITIES = ["北京市朝阳区", "上海市浦东新区", "深圳市南山区", "广州市天河区", "杭州市西湖区", "成都市武侯区"]
STREETS = ["建国路", "世纪大道", "科技园南路", "天河北路", "文三路", "人民南路", "中山路"]
COMPANY_WORDS = ["华强", "宏达", "鑫源", "恒通", "中天", "东方", "瑞丰", "金桥", "盛世", "永安"]
COMPANY_KINDS = ["科技有限公司", "贸易有限公司", "实业有限公司", "建筑工程有限公司", "物流有限公司"]
INDUSTRIES = list("ACDEFGHIKLM")
TOPICS = ["产品推介", "账户维护", "理财到期提醒", "大额交易回访", "节日问候", "贷款续作沟通", "客户信息更新"]
OUTCOMES = ["客户有意向", "已完成", "客户暂不需要", "约定下次面谈", "已告知风险", "待客户回复"]


def person_names(rng: np.random.Generator, n: int) -> pl.Series:
    """n Chinese personal names: surname + one or two given-name characters."""
    s = pl.Series(SURNAMES).gather(rng.integers(0, len(SURNAMES), n))
    g1 = pl.Series(GIVEN).gather(rng.integers(0, len(GIVEN), n))
    g2 = pl.Series(GIVEN + [""] * len(GIVEN)).gather(rng.integers(0, 2 * len(GIVEN), n))
    return pl.DataFrame({"s": s, "g1": g1, "g2": g2}).select(pl.concat_str("s", "g1", "g2")).to_series()


def company_names(rng: np.random.Generator, n: int) -> pl.Series:
    """n company names; about one in ten carries double quotes, one in ten a comma, one in ten a line break."""
    city = pl.Series([c[:2] + "市" for c in CITIES]).gather(rng.integers(0, len(CITIES), n))
    word = pl.Series(COMPANY_WORDS).gather(rng.integers(0, len(COMPANY_WORDS), n))
    kind = pl.Series(COMPANY_KINDS).gather(rng.integers(0, len(COMPANY_KINDS), n))
    style = rng.integers(0, 10, n)
    df = pl.DataFrame({"c": city, "w": word, "k": kind, "st": style})
    return df.select(
        pl.when(pl.col("st") == 0)
        .then(pl.concat_str(pl.col("c"), pl.lit('"'), pl.col("w"), pl.lit('"'), pl.col("k")))
        .when(pl.col("st") == 1)
        .then(pl.concat_str(pl.col("c"), pl.col("w"), pl.lit(","), pl.col("k")))
        .when(pl.col("st") == 2)
        .then(pl.concat_str(pl.col("c"), pl.col("w"), pl.col("k"), pl.lit("\n"), pl.lit("（筹）")))
        .otherwise(pl.concat_str("c", "w", "k"))
    ).to_series()


def addresses(rng: np.random.Generator, n: int) -> pl.Series:
    """n street addresses; about one in twenty spans two lines, one in twenty has a comma."""
    city = pl.Series(CITIES).gather(rng.integers(0, len(CITIES), n))
    street = pl.Series(STREETS).gather(rng.integers(0, len(STREETS), n))
    no = pl.Series(rng.integers(1, 999, n)).cast(pl.String)
    style = rng.integers(0, 20, n)
    df = pl.DataFrame({"c": city, "s": street, "no": no, "st": style})
    sep = (
        pl.when(pl.col("st") == 0)
        .then(pl.lit("\n"))
        .when(pl.col("st") == 1)
        .then(pl.lit(", "))
        .otherwise(pl.lit(""))
    )
    return df.select(pl.concat_str(pl.col("c"), sep, pl.col("s"), pl.col("no"), pl.lit("号"))).to_series()

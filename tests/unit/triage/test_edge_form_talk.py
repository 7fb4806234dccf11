"""The conversation's own business is no emergency at the chat edge
(services/clinical/triage/edge.py, data/triage/routing.yml's errand_words): blind
conversation set 4 got the 120 advice from the learned layer alone, and sure of itself
(P(emergency) 0.63-0.86), for a booking correction, a patient's name, a results query, a
request for a person and a visiting question. A bar on "no complaint in the message" could
not tell these apart: on tuning material the layer alone catches emergencies told in no
complaint word at 0.62 (a son's father giving his things away), below the correction's 0.63.
The words of the conversation itself can: with nothing sudden and no complaint beside them,
only the rules answer 120. Emergencies keep their 120, form words or not."""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine
from services.clinical.triage.edge import emergency_hits
from services.clinical.triage.routing import reads_as_errand


@pytest.mark.parametrize(
    "text",
    [
        # blind conversation set 4, in the patients' words (tuning material since it was scored)
        "哎不对不对 上午俺得送孩子 改下午吧",  # F05, 0.63
        "病人名字王秀英 不是我 是我妈",  # D01, 0.67
        "查一下我的化验结果 昨天抽的血",  # F42, 0.65
        "我想带我8岁的女儿去看她外婆 小孩能进吗",  # F52, 0.73
        "我不要跟机器说 给我找你们管事的人",  # F54, 0.86
        # our own words: the first, second and fourth were 120 before (0.63, 0.80, 0.88)
        "不对不对 说错了 换成周三上午吧 俺家娃下午要上课",
        "身份证是我爸的 他七十多了 我帮他挂",
        "病人姓名写错了 是李桂芳 不是李贵芳",
        "我不想跟机器人聊了 叫你们客服来",
        "我妈的检查结果出来了没有 上周拍的片子",
        "住院部探视几点到几点 老人家能进去吗",
        # a name said or spelt out (set 4 F07, 0.69, still 120 after the round on set 6)
        "我叫何丽娟何是何必的何丽是美丽的丽娟是娟秀的娟",
        "俺叫王桂兰 王是三横一竖的王 桂是桂花的桂",
        "病人叫刘建国 刘是文刀刘的刘",
    ],
)
def test_the_conversations_own_business_gets_no_120(engine: TriageEngine, text: str) -> None:
    assert reads_as_errand(text)
    assert emergency_hits(engine, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "机器把食指第一节切下来了 断的那截要怎么保存 现在往医院赶",  # a machine is no handoff (set E)
        "老伴走了以后 我爸这两个月把自己的东西都送人了 今天跟我说以后照顾好自己",  # no complaint word, 0.61
        "我弟把吉他和游戏账号都送人了 跟大家说了再见 电话也不接",
        "孩子没气了 我在给他做人工呼吸",  # 人工呼吸 is no 转人工
        "不对不对 我爸刚才突然说不出话了 半边身子动不了",  # a correction with something sudden
        "我爸连我名字都叫不出来了 右手也抬不起来",  # a name he cannot say is no form answer
        "我叫不醒我妈 她嘴边都是白沫",  # 叫不醒 is no name
        "我叫了救护车 我爸刚才突然倒下了 没反应",
        "改下午来不及了 孩子把一整瓶退烧药都喝了",
        "体检报告出来了 上面说我血钾7.2 现在手脚没劲",
        "女儿刚发朋友圈说再见了这个世界，现在手机号打不通",
    ],
)
def test_emergencies_beside_form_words_still_get_120(engine: TriageEngine, text: str) -> None:
    assert emergency_hits(engine, text)

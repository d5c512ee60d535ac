"""Generated citizen messages for the demo's first classifier: a few ways people describe
each problem of the default 派单目录, at the demo's own places. Written for this project (no
real messages): they only give the demo a working model on day one; the dispatcher's
corrections train the next one."""

from __future__ import annotations

import random

PLACES = ["麓山南路", "桃子湖路", "阜埠河路", "新民路", "咸嘉湖路", "岳麓大道", "银盆岭小区", "望月湖小区",
          "溁湾镇", "观沙岭", "枫林三路", "金星北路"]

# category code → (title patterns, detail sentences); {p} is a place.
PHRASES: dict[str, tuple[list[str], list[str]]] = {
    "garbage-exposed": (["{p}垃圾堆着没人清", "{p}垃圾桶满了溢出来"], ["垃圾堆了好几天，臭味很大，苍蝇很多。", "垃圾桶旁边全是垃圾袋，没人收。"]),
    "garbage-muck": (["{p}有人乱倒建筑垃圾", "{p}渣土堆积"], ["晚上有车来倒渣土和装修垃圾，堆成小山。", "建筑垃圾一直没有清运，占了半边路。"]),
    "road-dirty": (["{p}路面很脏", "{p}道路没人扫"], ["路上全是泥和污水，保洁很久没来了。", "路面油污很多，走路打滑。"]),
    "graffiti": (["{p}墙上贴满小广告", "{p}乱涂乱画"], ["电线杆和墙上到处是办证小广告。", "新刷的墙又被人喷了涂鸦。"]),
    "street-vending": (["{p}占道摆摊", "{p}夜市摊贩占人行道"], ["每天晚上流动摊贩把人行道占满了。", "摆摊卖水果的把路堵了，车都过不去。"]),
    "illegal-building": (["{p}有人违章搭建", "{p}楼顶加建"], ["顶楼住户在搭彩钢棚，属于违建。", "一楼住户把院子围起来加建房子。"]),
    "parking-disorder": (["{p}车辆乱停", "{p}共享单车堆满路口"], ["车停在消防通道上，堵塞严重。", "共享单车乱放，盲道都被占了。"]),
    "street-lights": (["{p}路灯不亮", "{p}路灯坏了"], ["晚上一片漆黑，路灯已经坏了一周。", "好几盏路灯不亮，行人看不清路。"]),
    "manhole": (["{p}井盖丢了", "{p}井盖破损"], ["路中间的下水道井盖不见了，很危险。", "井盖裂开了，车一压就响，怕有人掉下去。"]),
    "road-damage": (["{p}路面坑洼", "{p}路面塌陷"], ["路上有个大坑，下雨积水，电动车容易摔。", "路面破损严重，坑坑洼洼。"]),
    "water-leak": (["{p}水管爆了", "{p}自来水管漏水"], ["路边水管漏水，水流了一地。", "爆管了，整栋楼停水。"]),
    "green-dirty": (["{p}绿地脏乱", "{p}草坪被踩坏"], ["花坛里全是垃圾，没人管理。", "绿化带被人种菜，草坪荒了。"]),
    "tree-fallen": (["{p}大树倒了", "{p}树枝断了挂在电线上"], ["昨晚大风把树刮倒了，压在路上。", "断枝随时会掉下来砸到人。"]),
    "noise": (["{p}夜间施工噪音扰民", "{p}广场舞太吵"], ["工地半夜还在施工，噪音吵得睡不着。", "晚上音响声音太大，严重扰民。"]),
    "fumes": (["{p}餐馆油烟扰民", "{p}烧烤油烟大"], ["楼下饭店的油烟直接排到窗户里。", "烧烤摊油烟和异味很重，窗户都不敢开。"]),
    "water-pollution": (["{p}河道发黑发臭", "{p}有人往河里排污"], ["河水黑臭，有工厂偷偷排污水。", "排水口流出污水，河里死鱼。"]),
    "food-safety": (["{p}超市卖过期食品", "{p}餐馆卫生差"], ["买到的牛奶过期了，商家不退。", "饭店后厨很脏，吃了拉肚子。"]),
    "price": (["{p}商家乱收费", "{p}停车乱收费"], ["停车场收费没有公示价格，乱收钱。", "商家价格不明码标价，收费很高。"]),
    "consult": (["咨询居住证怎么办理", "请问社保在哪里办"], ["想咨询一下办理需要什么材料，在哪个窗口办。", "政策怎么申请，需要哪些手续，请告知。"]),
    "assistance": (["{p}独居老人需要帮助", "{p}困难家庭求助"], ["家里老人生病没人照顾，生活困难，希望救助。", "申请低保一直没有结果，生活很困难。"]),
    "property": (["{p}物业不作为", "{p}电梯经常坏"], ["小区电梯坏了一个月，物业不修。", "物业收了物业费不管事，维修基金不公开。"]),
    "dispute": (["{p}邻里纠纷", "{p}楼上漏水邻居不管"], ["楼上漏水到我家，邻居不肯修，吵了好几次。", "因为占用公共空间和邻居发生矛盾，希望调解。"]),
    "hazard": (["{p}电动车楼道充电", "{p}私拉电线飞线充电"], ["有人把电动车推进楼道充电，存在消防隐患。", "楼上拉电线下来给电动车充电，很危险。"]),
}


def demo_messages(seed: int = 12345, per_category: int = 8) -> list[tuple[str, str, str]]:
    """(title, description, category code) triples, the same on every machine."""
    rng = random.Random(seed)  # noqa: S311 (sample text, not secrets)
    out = []
    for code, (titles, details) in PHRASES.items():
        for _ in range(per_category):
            place = rng.choice(PLACES)
            title = rng.choice(titles).format(p=place)
            body = "".join(rng.sample(details, k=rng.randint(1, len(details))))
            out.append((title, f"{place}附近，{body}希望尽快处理。", code))
    return out

"""The demo estate's fixed layout: site, teams, people, buildings, checkpoints and rounds."""
from __future__ import annotations

from datetime import time

DEMO_PASSWORD = "demo-pass"

SITE = {"code": "DEMO", "name_zh": "示例花园", "name_en": "Demo Gardens",
        "address": "上海市浦东新区示例路 88 号", "timezone": "Asia/Shanghai", "log_prefix": "XC",
        "duty_phone": "021-5888-0110"}

TEAMS = [("engineering", "工程部", "Engineering"), ("cleaning", "保洁部", "Cleaning"),
         ("greening", "绿化部", "Greening"), ("security", "保安部", "Security")]

# username, full name, role, team code, what they do (printed by `make run`)
USERS = [
    ("patrol1", "张伟", "patroller", None, "patroller: daily building patrols of buildings 1 and 3"),
    ("patrol2", "李娜", "patroller", None, "patroller: building 2, outdoor areas, night security rounds"),
    ("super1", "王芳", "supervisor", None, "customer-service supervisor: reviews findings and logs"),
    ("maint1", "刘强", "maintenance", "engineering", "engineering (plumbing, electrical) team"),
    ("clean1", "陈静", "maintenance", "cleaning", "cleaning team"),
    ("guard1", "孙磊", "maintenance", "security", "security team (fire equipment, access control)"),
    ("green1", "周敏", "maintenance", "greening", "greening team"),
    ("admin", "赵敏", "admin", None, "site administrator"),
]

# code, zh, en, floors above, floors below
BUILDINGS = [("B1", "1栋", "Building 1", 18, 1), ("B2", "2栋", "Building 2", 18, 1), ("B3", "3栋", "Building 3", 11, 0)]

CATEGORY_TEMPLATE = {
    "stairwell": "stairwell", "roof": "escape_roof", "elevator": "elevator", "lobby": "lobby",
    "fire_equipment": "fire_equipment", "outdoor_utilities": "outdoor_utilities", "recreation": "recreation_green",
    "road": "roads_plazas", "parking": "parking", "surroundings": "surroundings",
}

OUTDOOR = [
    ("OUT-PUMP", "水泵房及室外管线", "Pump room and outdoor pipework", "outdoor_utilities"),
    ("OUT-PLAY", "儿童游乐场及中心绿地", "Playground and central lawn", "recreation"),
    ("OUT-ROAD", "主干道及中心广场", "Main road and central plaza", "road"),
    ("OUT-PARK", "地下停车场及单车棚", "Underground car park and bike shed", "parking"),
    ("OUT-EDGE", "小区周界", "Estate perimeter", "surroundings"),
]


def building_checkpoints(code: str, zh: str, en: str, floors: int) -> list[tuple]:
    """(code, zh, en, category, floor) for one building: lobby, lift, stair sections, roof, fire equipment."""
    points = [
        (f"{code}-LBY", f"{zh}大堂", f"{en} lobby", "lobby", 1),
        (f"{code}-ELV1", f"{zh}1号电梯", f"{en} lift 1", "elevator", 1),
    ]
    for start in range(1, floors + 1, 6):
        end = min(start + 5, floors)
        points.append((f"{code}-STW{start:02d}", f"{zh}楼梯间 {start}–{end} 层", f"{en} stairwell F{start}–{end}", "stairwell", start))
    points.append((f"{code}-ROOF", f"{zh}逃生天台", f"{en} escape roof", "roof", floors))
    points.append((f"{code}-FIRE", f"{zh}首层消防设施", f"{en} ground-floor fire equipment", "fire_equipment", 1))
    return points


# name zh, name en, kind, weekdays (Mon=0), month day, windows [(start, end, zh, en)], assignees, checkpoint filter
ROUNDS = [
    ("1栋每日楼宇巡查", "Building 1 daily patrol", "daily", [], None, [(time(8), time(17), None, None)], ["patrol1"],
     lambda cp: cp[0].startswith("B1-") and cp[3] != "fire_equipment"),
    ("2栋每日楼宇巡查", "Building 2 daily patrol", "daily", [], None, [(time(8), time(17), None, None)], ["patrol2"],
     lambda cp: cp[0].startswith("B2-") and cp[3] != "fire_equipment"),
    ("3栋每日楼宇巡查", "Building 3 daily patrol", "daily", [], None, [(time(8), time(17), None, None)], ["patrol1", "patrol2"],
     lambda cp: cp[0].startswith("B3-") and cp[3] != "fire_equipment"),
    ("室外公共区域巡查", "Outdoor common areas", "daily", [], None, [(time(9), time(18), None, None)], ["patrol2", "patrol1"],
     lambda cp: cp[0].startswith("OUT-")),
    ("消防设施周检", "Weekly fire equipment check", "weekly", [0, 3], None, [(time(9), time(17), None, None)], ["patrol1"],
     lambda cp: cp[3] == "fire_equipment"),
    ("夜间安防巡逻", "Security rounds per shift", "shift", [], None,
     [(time(8), time(10), "早班", "Morning"), (time(14), time(16), "中班", "Afternoon"), (time(21), time(23), "夜班", "Night")],
     ["patrol2"], lambda cp: cp[0] in ("OUT-EDGE", "OUT-PARK", "OUT-ROAD")),
    ("天台及屋面月检", "Monthly roof check", "monthly", [], 1, [(time(9), time(17), None, None)], ["patrol1", "patrol2"],
     lambda cp: cp[3] == "roof"),
]

FAIL_NOTES = {
    "electrical": ["灯具不亮，需更换灯管", "开关面板松动"],
    "plumbing": ["管道接口渗水", "雨水管堵塞，有积水"],
    "gas": ["闻到焦糊味，已通知保安排查"],
    "building_fabric": ["墙面批荡起皮脱落约 0.5 平方米", "地砖破损两块"],
    "fire_safety": ["灭火器压力不足", "消防栓箱内水带缺失", "防火门未关闭，闭门器损坏"],
    "elevator": ["运行时有异常摩擦声", "轿厢照明一处不亮"],
    "security": ["监控摄像头画面缺失", "门禁闭门不严"],
    "cleanliness": ["楼道有杂物堆放", "地面有垃圾未清扫"],
    "greenery": ["草坪局部枯黄裸露", "绿篱有病虫害"],
    "signage": ["疏散指示灯不亮", "安全标识脱落"],
    "renovation": ["装修垃圾堆放在走廊"],
    "general": ["设施损坏，需维修"],
}

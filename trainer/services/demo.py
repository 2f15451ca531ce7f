"""The demo installation: one account per role and a small cohort with some progress."""
from sqlalchemy import select

from ..extensions import db
from ..models import Role, User
from . import accounts, progress

DEMO_PASSWORD = "demo1234"
DEMO_COHORT = "2026年11月入职批次"
STAFF = [
    ("trainee", "王小雨", [Role.TRAINEE]),
    ("trainer", "李老师", [Role.TRAINER]),
    ("manager", "陈主管", [Role.MANAGER]),
    ("admin", "系统管理员", [Role.ADMIN]),
]
#: Cohort-mates of the demo trainee, with how many lessons each has studied.
COHORT = [("zhangmin", "张敏", 9), ("liuyang", "刘洋", 4), ("zhaojing", "赵静", 0), ("sunhao", "孙浩", 14)]


def seed_demo():
    """Create what the demo needs; running it again changes nothing."""
    if db.session.scalar(select(User.id).where(User.username == "trainee")):
        return False
    cohort = accounts.get_or_create_cohort(DEMO_COHORT)
    system = User(username="system")  # only named in the log
    for username, name, roles in STAFF:
        accounts.create_user(system, username, name, DEMO_PASSWORD, roles,
                             cohort=cohort if Role.TRAINEE in roles else None)
    lessons = progress.published_lessons()
    trainee = db.session.scalar(select(User).where(User.username == "trainee"))
    for lesson in lessons[:2]:
        progress.mark_studied(trainee, lesson)
    if len(lessons) > 2:
        progress.open_lesson(trainee, lessons[2])
    for username, name, studied in COHORT:
        member = accounts.create_user(system, username, name, DEMO_PASSWORD, [Role.TRAINEE], cohort=cohort)
        for lesson in lessons[:studied]:
            progress.mark_studied(member, lesson)
    db.session.flush()
    return True

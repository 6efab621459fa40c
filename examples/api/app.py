"""A small multi-path API: users and posts, a blueprint, JSON in and out, an upload, url_for.

Serve it with ``make demo``; deploy it with ``examples/api/main.py`` (Cloud Functions),
``examples/api/lambda_function.py`` (AWS Lambda) or gunicorn (see the README).
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Annotated, Any, TypedDict

from manypaths import App, Blueprint, Query, abort, jsonify, redirect, request, url_for
from manypaths.events import Event

app = App(__name__, max_content_length=1024 * 1024, title="manypaths example API", version="1.0")
# The OpenAPI document at /openapi.json and Swagger UI at /docs (built on the first request to either).
app.enable_docs()


class User(TypedDict):
    id: int
    name: str


@dataclasses.dataclass
class NewUser:
    name: str


USERS: dict[int, User] = {1: {"id": 1, "name": "Ada"}, 2: {"id": 2, "name": "Grace"}}
POSTS: dict[uuid.UUID, dict[str, Any]] = {}


@app.get("/")
def index() -> dict[str, Any]:
    return {
        "users": url_for("users.list_users", _external=True),
        "one_user": url_for("users.show_user", user_id=1, _external=True),
        "posts": url_for("posts", _external=True),
        "files": url_for("files", path="docs/readme.txt", _external=True),
    }


users = Blueprint("users", __name__, url_prefix="/users")


@users.get("/")
def list_users(limit: Annotated[int, Query(ge=0, description="at most this many users")] = 10) -> list[User]:
    """List the users, oldest first."""
    return list(USERS.values())[:limit]


@users.get("/<int(min=1):user_id>")
def show_user(user_id: int) -> Any:
    user = USERS.get(user_id)
    if user is None:
        abort(404, f"There is no user {user_id}.")
    return user


@users.post("/", status=201)
def create_user(user: NewUser) -> tuple[User, dict[str, str]]:
    """Create a user; its URL is in the Location header.

    A body that is not a JSON object with a string `name` answers 422 with the failing fields.
    """
    user_id = max(USERS, default=0) + 1
    USERS[user_id] = {"id": user_id, "name": user.name}
    return USERS[user_id], {"Location": url_for(".show_user", user_id=user_id)}


@users.errorhandler(404)
def user_not_found(error: Any) -> Any:
    """No user has that id (JSON: error, detail)."""
    return {"error": "not found", "detail": error.description}, 404


app.register_blueprint(users)


@app.route("/posts", methods=["GET", "POST"])
def posts() -> Any:
    if request.method == "POST":
        post_id = uuid.uuid4()
        POSTS[post_id] = {"id": str(post_id), "title": request.form.get("title", "untitled")}
        return redirect(url_for("show_post", post_id=post_id), 303)
    return jsonify(list(POSTS.values()))


@app.get("/posts/<uuid:post_id>")
def show_post(post_id: uuid.UUID) -> Any:
    post = POSTS.get(post_id)
    if post is None:
        abort(404)
    return post


@app.get("/files/<path:path>")
def files(path: str) -> Any:
    return {"path": path, "parts": path.split("/")}


@app.post("/upload")
def upload() -> Any:
    upload = request.files.get("file")
    if upload is None:
        abort(400, "Send a multipart form with a 'file' field.")
    data = upload.read()
    return {"filename": upload.filename, "size": len(data), "content_type": upload.content_type}


@app.errorhandler(404)
def not_found(error: Any) -> Any:
    """Nothing is at that path (JSON: error, path)."""
    return {"error": "not found", "path": request.path}, 404


@app.on_sqs("signups")
def signup(event: Event) -> None:
    """A queued signup ({"name": ...}) becomes a user; a message without a name fails alone (it is
    reported in batchItemFailures and retried by SQS, the others are not)."""
    name = event.data.get("name") if isinstance(event.data, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"signup {event.id} has no name")
    user_id = max(USERS, default=0) + 1
    USERS[user_id] = {"id": user_id, "name": name.strip()}

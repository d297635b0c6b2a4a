//! A province officer manages the accounts of their province, never an administrator's.

use crate::helpers::{TestApp, refused_beside};

async fn user_id(app: &TestApp, username: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_province_officer_manages_the_accounts_of_the_province_only() {
    let app = TestApp::signed_in("tinh").await;
    let (_, list) = app.page("/admin/users").await;
    assert!(list.contains("xa.damha") && list.contains("huyen"));
    assert!(
        !list.contains("tinh.khac") && !list.contains(">admin<"),
        "only the province's"
    );

    let account = |username: &'static str, role: &'static str, unit: &'static str| {
        [
            ("username", username),
            ("full_name", "Cán Bộ Mới"),
            ("role", role),
            ("unit", unit),
        ]
    };
    let created = app
        .submit(
            "/admin/users",
            &account("can.bo.xa", "commune_officer", "commune:6898"),
        )
        .await;
    assert_eq!(created.status(), 200, "the one-time password page");
    let admin = app
        .submit("/admin/users", &account("quan.tri.moi", "admin", ""))
        .await;
    refused_beside(admin, "Chỉ quản trị hệ thống tạo được tài khoản quản trị.").await;
    let elsewhere = app
        .submit(
            "/admin/users",
            &account("can.bo.khac", "province_officer", "province:20"),
        )
        .await;
    refused_beside(elsewhere, "Đơn vị này ngoài tỉnh bạn phụ trách.").await;
    let made: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM users WHERE username IN ('quan.tri.moi', 'can.bo.khac')",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(made, 0);

    // Within the province: disabled and reset. Outside it, or an administrator: not found.
    let commune = user_id(&app, "xa.damha").await;
    let disabled = app
        .submit(&format!("/admin/users/{commune}/disable"), &[])
        .await;
    assert_eq!(disabled.status(), 303);
    for other in ["tinh.khac", "admin"] {
        let id = user_id(&app, other).await;
        assert_eq!(
            app.page(&format!("/admin/users/{id}")).await.0,
            404,
            "{other}"
        );
        let reset = app
            .submit(&format!("/admin/users/{id}/reset-password"), &[])
            .await;
        assert_eq!(reset.status(), 404, "{other}");
    }
    // Nor may an account of the province be made an administrator.
    let district = user_id(&app, "huyen").await;
    let version: i32 = sqlx::query_scalar("SELECT version FROM users WHERE id = $1")
        .bind(district)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let promoted = app
        .submit(
            &format!("/admin/users/{district}"),
            &[
                ("username", "huyen"),
                ("full_name", "Cán bộ huyện"),
                ("role", "admin"),
                ("unit", ""),
                ("version", &version.to_string()),
            ],
        )
        .await;
    refused_beside(
        promoted,
        "Chỉ quản trị hệ thống tạo được tài khoản quản trị.",
    )
    .await;
}

async fn import(app: &TestApp, csv: &str) -> (u16, String) {
    let bytes = csv.as_bytes().to_vec();
    crate::helpers::upload(app, "/admin/users/import", "tai-khoan.csv", bytes).await
}

#[tokio::test]
async fn accounts_are_imported_all_or_nothing_and_printed_as_slips() {
    let app = TestApp::signed_in("tinh").await;
    let header = "Họ và tên,Vai trò,Đơn vị,Điện thoại,Thư điện tử";
    let bad = [
        header,
        "Nguyễn Văn An,Cán bộ cấp xã,thi tran dam ha,0912 345 678,",
        "Trần Thị Bình,Cán bộ cấp xã,Đầm Hà,,",
        "Lê Văn Cường,Quản trị hệ thống,,,",
        "Phạm Thị Dung,Thủ quỹ,Xã Quảng Lâm,,",
    ]
    .join("\n");
    let (status, page) = import(&app, &bad).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Tệp có 3 lỗi — chưa tạo tài khoản nào"),
        "{page}"
    );
    assert!(
        page.contains("là tên của nhiều đơn vị"),
        "Đầm Hà is a township and a commune"
    );
    assert!(
        page.contains("ngoài phạm vi bạn được tạo tài khoản"),
        "no administrator"
    );
    assert!(page.contains("\"Thủ quỹ\" không phải vai trò"));
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();

    let good = [
        header,
        "Nguyễn Văn An,Cán bộ cấp xã,thi tran dam ha,0912 345 678,",
        "Nguyễn Văn An,commune_officer,Xã Quảng Lâm,,an2@example.vn",
        "Trần Thị Bình,Cán bộ cấp huyện,Huyện Đầm Hà,,",
    ]
    .join("\n");
    let (status, page) = import(&app, &good).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        page.matches("<section class=\"slip\">").count(),
        3,
        "one slip per account"
    );
    assert!(page.contains("<code class=\"username\">nguyen.van.an</code>"));
    assert!(page.contains("<code class=\"username\">nguyen.van.an.2</code>"));
    assert!(page.contains("Thị trấn Đầm Hà") && page.contains("/login</code>"));
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(after, before + 3);
    let must_change: bool = sqlx::query_scalar(
        "SELECT must_change_password FROM users WHERE username = 'nguyen.van.an'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(
        must_change,
        "the one-time password is changed at first sign-in"
    );
}
